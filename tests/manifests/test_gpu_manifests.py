"""GPU capacity under platform/ (scripts/validate-manifests runs these): the GPU NodePool
and EC2NodeClass (a base with one overlay per environment) against Karpenter's CRDs and
the environment's gpu_* Terraform variables, and the NVIDIA device plugin's and DCGM
exporter's values against their pinned charts. Each test breaks one file the way an
edit might and checks the finding names the file, the line and the field.
"""

from __future__ import annotations

from test_validate_manifests import Tree, only_finding, tree  # noqa: F401  (fixture)

GPU_BASE = "platform/base/gpu-nodepool/gpu-nodepool.yaml"


def gpu_overlay(env: str) -> str:
    return f"platform/environments/{env}/gpu-nodepool/kustomization.yaml"


def test_every_environment_renders_its_gpu_pool(tree: Tree) -> None:
    report = tree.validate()
    assert report.findings == []
    for env in ("dev", "stage", "prod"):
        for kind in ("NodePool/gpu", "EC2NodeClass/gpu"):
            assert any(p.startswith(f"{gpu_overlay(env)}: {kind} ") for p in report.passed), kind
        for chart in ("nvidia-device-plugin", "dcgm-exporter"):
            assert f"platform/environments/{env}/{chart}.values.yaml: values of the {chart} chart" in report.passed


def test_bad_consolidation_policy_in_the_gpu_base_names_the_base(tree: Tree) -> None:
    line = tree.replace(GPU_BASE, "consolidationPolicy: WhenEmpty\n", "consolidationPolicy: WhenIdle\n")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (GPU_BASE, line)
    assert finding.where == "NodePool/gpu: spec.disruption.consolidationPolicy"
    assert finding.message.startswith("'WhenIdle' is not one of [")


def test_unknown_field_in_the_gpu_node_class_is_an_error(tree: Tree) -> None:
    line = tree.replace(GPU_BASE, "        volumeSize: 200Gi", "        volumeSizeGi: 200")
    findings = tree.validate().findings
    assert (GPU_BASE, line, "EC2NodeClass/gpu: spec.blockDeviceMappings[0].ebs.volumeSizeGi", "unknown field (not in the schema)") in {
        (f.file, f.line, f.where, f.message) for f in findings
    }


def test_gpu_limit_above_what_the_budget_covers_names_the_overlay(tree: Tree) -> None:
    line = tree.replace(gpu_overlay("stage"), 'value: "2"', 'value: "8"')
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (gpu_overlay("stage"), line)
    assert finding.where == "NodePool/gpu: spec.limits.nvidia.com/gpu"
    assert "differs from gpu_limit 2 in infra/environments/stage/terraform.tfvars" in finding.message


def test_gpu_pool_without_a_gpu_limit_is_refused(tree: Tree) -> None:
    tree.replace(GPU_BASE, '  limits:\n    nvidia.com/gpu: "0"\n', "  limits:\n    cpu: \"64\"\n")
    findings = tree.validate().findings
    # The base lost the key every overlay replaces: each environment's patch is refused.
    assert findings and all(f.file.endswith("gpu-nodepool/kustomization.yaml") for f in findings), findings
    assert all("/spec/limits/nvidia.com/gpu" in f.where for f in findings), findings


def test_gpu_instance_types_agree_with_terraform(tree: Tree) -> None:
    line = tree.replace(gpu_overlay("dev"), 'value: ["g4dn.xlarge", "g4dn.2xlarge"]', 'value: ["g4dn.xlarge", "p4d.24xlarge"]')
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (gpu_overlay("dev"), line)
    assert finding.where == "NodePool/gpu: spec.template.spec.requirements[1].values"
    assert "differ from gpu_instance_types ['g4dn.2xlarge', 'g4dn.xlarge']" in finding.message


def test_spot_gpus_in_prod_disagree_with_terraform(tree: Tree) -> None:
    line = tree.replace(gpu_overlay("prod"), 'value: ["on-demand"]', 'value: ["spot", "on-demand"]')
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (gpu_overlay("prod"), line)
    assert finding.where == "NodePool/gpu: spec.template.spec.requirements[0].values"
    assert "differ from gpu_capacity_types ['on-demand']" in finding.message


def test_terraform_gpu_limit_changed_alone_is_caught(tree: Tree) -> None:
    tree.replace("infra/environments/prod/terraform.tfvars", "gpu_limit          = 4", "gpu_limit          = 2")
    finding = only_finding(tree.validate())
    assert finding.file == gpu_overlay("prod")
    assert "'4' differs from gpu_limit 2" in finding.message


def test_gpu_taint_removed_makes_the_pool_an_ordinary_one(tree: Tree) -> None:
    # Without the taint the pool is compared with karpenter_capacity_types, and the GPU
    # checks no longer apply: the base's taint is what marks a GPU pool.
    tree.replace(GPU_BASE, "      taints:\n        - key: nvidia.com/gpu\n", "      taints:\n        - key: example.org/gpu\n")
    assert tree.validate().findings == []
    tree.replace("infra/environments/prod/terraform.tfvars", 'gpu_capacity_types = ["on-demand"]', 'gpu_capacity_types = ["spot"]')
    assert tree.validate().findings == []


def test_gpu_overlay_leaving_a_placeholder_fails(tree: Tree) -> None:
    tree.replace(
        gpu_overlay("dev"),
        "      - op: replace\n        path: /spec/role\n        value: mlops-dev-karpenter-node\n",
        "",
    )
    finding = only_finding(tree.validate())
    # The value left is the base's line; the message says which overlay must set it.
    text = tree.path(GPU_BASE).read_text().splitlines()
    assert (finding.file, text[finding.line - 1].strip()) == (GPU_BASE, "role: set-by-each-environment")
    assert finding.where == "EC2NodeClass/gpu: spec.role"
    assert "placeholder: set it in platform/environments/dev/gpu-nodepool/kustomization.yaml" in finding.message


def test_gpu_overlay_naming_another_environment_is_caught(tree: Tree) -> None:
    line = tree.replace(gpu_overlay("stage"), "value: mlops-stage-karpenter-node", "value: mlops-prod-karpenter-node")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (gpu_overlay("stage"), line)
    assert "'mlops-prod'" in finding.message


def test_device_plugin_values_are_checked_against_its_chart(tree: Tree) -> None:
    path = "platform/environments/dev/nvidia-device-plugin.values.yaml"
    line = tree.replace(path, "gfd:\n  enabled: false", "gfd:\n  enable: false")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line, finding.where) == (path, line + 1, "values: gfd.enable")
    assert finding.message == "unknown key: the nvidia-device-plugin chart has no such value"


def test_dcgm_exporter_values_are_checked_against_its_chart(tree: Tree) -> None:
    path = "platform/environments/prod/dcgm-exporter.values.yaml"
    line = tree.replace(path, "  port: 9400", '  port: "9400"')
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line, finding.where) == (path, line, "values: service.port")
    assert finding.message == "is a string, the chart's default is a number"


def test_device_plugin_chart_bump_without_its_values_fails(tree: Tree) -> None:
    tree.replace("platform/versions.env", "NVIDIA_DEVICE_PLUGIN_CHART_VERSION=0.20.0", "NVIDIA_DEVICE_PLUGIN_CHART_VERSION=0.21.0")
    try:
        tree.validate()
    except (FileNotFoundError, SystemExit) as error:
        assert "nvidia-device-plugin-0.21.0" in str(error)
    else:
        raise AssertionError("a chart version without its committed values.yaml must fail")
