"""No credential is stored in platform/: workloads get AWS access from EKS Pod Identity
and read what else they need (MLflow's database password) from Secrets Manager at run time
with that role. So a Kubernetes `Secret` object, or a container environment variable whose
name says it holds a credential and whose value is written in the file, is refused: it
would put the credential in the repository.
"""

from __future__ import annotations

import re

from manifest_report import Document, Report

CREDENTIAL_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL", re.I)
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}


def check_static_secrets(doc: Document, report: Report) -> None:
    data = doc.data if isinstance(doc.data, dict) else {}
    kind = data.get("kind")
    if kind == "Secret":
        report.add(
            doc,
            ["kind"],
            "a Secret in the repository is a static credential: give the workload a Pod "
            "Identity role and read the value from Secrets Manager at run time",
        )
        return
    if kind == "CronJob":
        pod = (((data.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}).get("template")
        base = ["spec", "jobTemplate", "spec", "template", "spec"]
    elif kind in POD_TEMPLATE_KINDS:
        pod = (data.get("spec") or {}).get("template")
        base = ["spec", "template", "spec"]
    else:
        return
    spec = (pod or {}).get("spec") or {}
    for group in ("initContainers", "containers"):
        for i, container in enumerate(spec.get(group) or []):
            for j, variable in enumerate(container.get("env") or []):
                name = str(variable.get("name", ""))
                if "value" in variable and variable["value"] not in (None, "") and CREDENTIAL_NAME.search(name):
                    report.add(
                        doc,
                        base + [group, i, "env", j, "value"],
                        f"{name} looks like a credential written into the file: read it at run "
                        "time with the pod's Pod Identity role (e.g. from Secrets Manager)",
                    )
