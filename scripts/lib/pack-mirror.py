"""Packs an unpacked Terraform provider mirror into a packed one (one zip per provider
version and platform), so that `terraform init` has to unpack the provider as it does after
a registry download. From an unpacked mirror Terraform only symlinks the provider
directory, which would hide the cost the plugin cache exists to avoid (writing the 700 MB
AWS provider once per environment). The zips are stored, not compressed: the benchmark
is about what installing writes, and deflating 700 MB would only slow the set-up.

Usage: python3 scripts/lib/pack-mirror.py UNPACKED_DIR PACKED_DIR
Layouts: UNPACKED_DIR/HOST/NAMESPACE/TYPE/VERSION/TARGET/<files> ->
         PACKED_DIR/HOST/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_TARGET.zip
"""

import sys
import zipfile
from pathlib import Path


def main():
    unpacked, packed = Path(sys.argv[1]), Path(sys.argv[2])
    count = 0
    for target in sorted(unpacked.glob("*/*/*/*/*")):
        if not target.is_dir():
            continue
        host, namespace, kind, version, platform = target.relative_to(unpacked).parts
        out = packed / host / namespace / kind / f"terraform-provider-{kind}_{version}_{platform}.zip"
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
            for file in sorted(target.iterdir()):
                archive.write(file, file.name)  # keeps the mode bits (the provider is executable)
        count += 1
    if count == 0:
        sys.exit(f"pack-mirror.py: no providers under {unpacked} (want HOST/NAMESPACE/TYPE/VERSION/TARGET/)")


if __name__ == "__main__":
    main()
