"""Tests of scripts/lib/validate_manifests.py (scripts/validate-manifests runs them).

Each test copies the real platform/ and the environments' terraform.tfvars into a temporary
directory, breaks one thing the way a person editing them might, and checks that the
validator fails naming the file, the line and the field path. Nothing is faked: the schemas
are kubernetes-validate's bundled Kubernetes ones and the committed Karpenter CRDs.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "lib"))

import validate_manifests

ENVIRONMENTS = ("dev", "stage", "prod")
# The app every environment renders from the base with its own patches.
BASE = "platform/base/model-serving/model-serving.yaml"


def overlay(env: str) -> str:
    return f"platform/environments/{env}/model-serving/kustomization.yaml"

CAPACITY_TYPES = {
    "dev": '["spot", "on-demand"]',
    "stage": '["spot", "on-demand"]',
    "prod": '["on-demand"]',
}


class Tree:
    """A copy of platform/ and infra/environments/*/terraform.tfvars to break."""

    def __init__(self, base: Path):
        self.base = base
        shutil.copytree(ROOT / "platform", base / "platform")
        for env in ENVIRONMENTS:
            target = base / "infra" / "environments" / env
            target.mkdir(parents=True)
            shutil.copy(ROOT / "infra" / "environments" / env / "terraform.tfvars", target)

    def path(self, relative: str) -> Path:
        return self.base / relative

    def replace(self, relative: str, old: str, new: str) -> int:
        """Replaces the first `old` in the file; returns its 1-based line."""
        path = self.path(relative)
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        line = text[: text.index(old)].count("\n") + 1
        path.write_text(text.replace(old, new, 1))
        return line

    def set_tfvar(self, env: str, line: str) -> None:
        path = self.path(f"infra/environments/{env}/terraform.tfvars")
        path.write_text(path.read_text() + "\n" + line + "\n")

    def validate(self) -> validate_manifests.Report:
        return validate_manifests.validate(
            self.path("platform"), self.path("infra/environments"), self.base
        )


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path)


def only_finding(report: validate_manifests.Report) -> validate_manifests.Finding:
    assert len(report.findings) == 1, "\n".join(map(str, report.findings))
    return report.findings[0]


# GPU capacity per environment: the GPU NodePool and EC2NodeClass, the device plugin's
# and the DCGM exporter's chart values.
GPU_DOCUMENTS_PER_ENVIRONMENT = 2 + 2
# Dataset and model access per environment: the training example (Namespace,
# ServiceAccount, two Mountpoint PersistentVolumes and their claims, Job, NetworkPolicy)
# and model-serving's ServiceAccount, models volume and claim.
ML_ACCESS_DOCUMENTS_PER_ENVIRONMENT = 8 + 3
# MLflow per environment: Namespace, ServiceAccount, ConfigMap (launcher), Deployment,
# Service, PodDisruptionBudget, NetworkPolicy, Ingress.
MLFLOW_DOCUMENTS_PER_ENVIRONMENT = 8


def test_the_committed_platform_files_pass(tree: Tree) -> None:
    report = tree.validate()
    assert report.findings == []
    # Every environment's NodePool, EC2NodeClass, app objects and both charts' values,
    # and the AMP collector's ClusterRole and binding shared by all environments.
    assert len(report.passed) == 3 * (
        2
        + 7
        + 2
        + GPU_DOCUMENTS_PER_ENVIRONMENT
        + ML_ACCESS_DOCUMENTS_PER_ENVIRONMENT
        + MLFLOW_DOCUMENTS_PER_ENVIRONMENT
    ) + 2


def test_wrong_type_in_a_deployment_names_file_line_and_path(tree: Tree) -> None:
    line = tree.replace(
        BASE,
        "revisionHistoryLimit: 5",
        "revisionHistoryLimit: five",
    )
    finding = only_finding(tree.validate())
    assert finding.file == BASE
    assert finding.line == line
    assert finding.where == "Deployment/model-serving: spec.revisionHistoryLimit"
    assert "'five' is not of type 'integer'" in finding.message


def test_unknown_field_in_a_container_is_an_error(tree: Tree) -> None:
    line = tree.replace(
        BASE,
        "imagePullPolicy: IfNotPresent",
        "imagePulPolicy: IfNotPresent",
    )
    finding = only_finding(tree.validate())
    assert finding.file == BASE
    assert finding.line == line
    assert finding.where == (
        "Deployment/model-serving: spec.template.spec.containers[0].imagePulPolicy"
    )
    assert finding.message == "unknown field (not in the schema)"


def test_missing_required_field_names_the_field(tree: Tree) -> None:
    # The HorizontalPodAutoscaler's scaleTargetRef without its kind.
    tree.replace(
        BASE,
        "    apiVersion: apps/v1\n    kind: Deployment\n    name: model-serving\n",
        "    apiVersion: apps/v1\n    name: model-serving\n",
    )
    finding = only_finding(tree.validate())
    assert finding.file == BASE
    assert finding.where == "HorizontalPodAutoscaler/model-serving: spec.scaleTargetRef.kind"
    assert finding.message == "required field is missing"
    text = tree.path(BASE).read_text()
    # The line of the object that lacks it.
    assert text.splitlines()[finding.line - 1].strip() == "scaleTargetRef:"


def test_bad_value_in_a_nodepool_is_checked_against_the_crd(tree: Tree) -> None:
    line = tree.replace(
        "platform/environments/dev/karpenter-nodepool.yaml",
        "consolidationPolicy: WhenEmptyOrUnderutilized",
        "consolidationPolicy: WhenIdle",
    )
    finding = only_finding(tree.validate())
    assert finding.file == "platform/environments/dev/karpenter-nodepool.yaml"
    assert finding.line == line
    assert finding.where == "NodePool/default: spec.disruption.consolidationPolicy"
    assert finding.message.startswith("'WhenIdle' is not one of [")
    assert "'WhenEmptyOrUnderutilized'" in finding.message


def test_badly_formed_duration_in_a_nodepool_fails_the_crd_pattern(tree: Tree) -> None:
    line = tree.replace(
        "platform/environments/stage/karpenter-nodepool.yaml",
        "expireAfter: 720h",
        "expireAfter: 30days",
    )
    finding = only_finding(tree.validate())
    assert (finding.line, finding.where) == (
        line,
        "NodePool/default: spec.template.spec.expireAfter",
    )
    assert "does not match" in finding.message


def test_unknown_field_in_an_ec2nodeclass_is_an_error(tree: Tree) -> None:
    line = tree.replace(
        "platform/environments/prod/karpenter-nodepool.yaml",
        "  amiSelectorTerms:",
        "  amiSelectorTerm:",
    )
    report = tree.validate()
    where = {(f.file, f.line, f.where, f.message) for f in report.findings}
    assert (
        "platform/environments/prod/karpenter-nodepool.yaml",
        line,
        "EC2NodeClass/default: spec.amiSelectorTerm",
        "unknown field (not in the schema)",
    ) in where
    # ...and the real key is then missing.
    assert any(f.where == "EC2NodeClass/default: spec.amiSelectorTerms" for f in report.findings)


def test_wrong_type_in_crd_metadata_is_checked_against_object_meta(tree: Tree) -> None:
    tree.replace(
        "platform/environments/dev/karpenter-nodepool.yaml",
        "kind: NodePool\nmetadata:\n  name: default\n",
        "kind: NodePool\nmetadata:\n  name: default\n  labels: [a, b]\n",
    )
    finding = only_finding(tree.validate())
    assert finding.where == "NodePool/default: metadata.labels"
    assert "is not of type 'object'" in finding.message


def test_cel_rule_of_the_ec2nodeclass_crd_is_evaluated(tree: Tree) -> None:
    # Valid for the JSON schema, refused by the CRD's CEL: an alias may not be combined
    # with another field in the same term.
    line = tree.replace(
        "platform/environments/prod/karpenter-nodepool.yaml",
        "    - alias: al2023@v20260714\n",
        "    - alias: al2023@v20260714\n      id: ami-0123456789abcdef0\n",
    )
    findings = tree.validate().findings
    # Two rules say so, one from each side, as the API server would report them.
    assert len(findings) == 2, "\n".join(map(str, findings))
    for finding in findings:
        assert finding.file == "platform/environments/prod/karpenter-nodepool.yaml"
        assert finding.where == "EC2NodeClass/default: spec.amiSelectorTerms"
        assert finding.line == line - 1  # the key of the list the rules are on
        assert "(CEL: " in finding.message
    assert any("'alias' is mutually exclusive" in f.message for f in findings)


def test_cel_rule_with_kubernetes_find_function(tree: Tree) -> None:
    # amiFamily must match the alias' family: the rule uses Kubernetes' `find`.
    tree.replace(
        "platform/environments/dev/karpenter-nodepool.yaml",
        "  amiSelectorTerms:\n",
        "  amiFamily: Bottlerocket\n  amiSelectorTerms:\n",
    )
    finding = only_finding(tree.validate())
    assert finding.where == "EC2NodeClass/default: spec"
    assert "amiFamily must be 'AL2023' or 'Custom' when using an AL2023 alias" in finding.message


def test_cel_rule_of_the_nodepool_crd_refuses_a_restricted_label(tree: Tree) -> None:
    line = tree.replace(
        "platform/environments/stage/karpenter-nodepool.yaml",
        "        mlops.example.org/environment: stage\n",
        "        mlops.example.org/environment: stage\n        karpenter.sh/nodepool: other\n",
    )
    finding = only_finding(tree.validate())
    assert finding.where == "NodePool/default: spec.template.metadata.labels"
    assert finding.line == line - 1  # `labels:`, the map the rule is on
    assert 'label "karpenter.sh/nodepool" is restricted' in finding.message


def test_misspelt_alb_annotation_is_caught(tree: Tree) -> None:
    line = tree.replace(
        BASE,
        "alb.ingress.kubernetes.io/target-type: ip",
        "alb.ingress.kubernetes.io/target-typ: ip",
    )
    finding = only_finding(tree.validate())
    assert finding.line == line
    assert finding.where == (
        "Ingress/model-serving: metadata.annotations.alb.ingress.kubernetes.io/target-typ"
    )
    assert "unknown annotation" in finding.message


def test_alb_annotation_values_must_fit_the_controllers_table(tree: Tree) -> None:
    tree.replace(
        BASE,
        "alb.ingress.kubernetes.io/scheme: internal",
        "alb.ingress.kubernetes.io/scheme: private",
    )
    tree.replace(
        BASE,
        """listen-ports: '[{"HTTP": 80}]'""",
        """listen-ports: '[{"HTTP": 80}'""",
    )
    messages = {f.where.rsplit("/", 1)[1]: f.message for f in tree.validate().findings}
    assert messages == {
        "scheme": "'private' is not internal | internet-facing (the controller's annotation table)",
        "listen-ports": """'[{"HTTP": 80}' is not json (the controller's annotation table)""",
    }


def test_hpa_scaling_a_deployment_that_is_not_there(tree: Tree) -> None:
    line = tree.replace(
        BASE,
        "    kind: Deployment\n    name: model-serving\n",
        "    kind: Deployment\n    name: model-server\n",
    )
    finding = only_finding(tree.validate())
    assert (finding.line, finding.where) == (
        line + 1,
        "HorizontalPodAutoscaler/model-serving: spec.scaleTargetRef.name",
    )
    assert finding.message == "no Deployment 'model-server' in namespace 'model-serving'"


def test_ingress_pointing_at_a_port_the_service_lacks(tree: Tree) -> None:
    text = tree.path(BASE).read_text()
    ingress_port = text.rindex("                  name: http")
    tree.path(BASE).write_text(
        text[:ingress_port] + "                  name: grpc" + text[ingress_port + 28 :]
    )
    finding = only_finding(tree.validate())
    assert finding.where == (
        "Ingress/model-serving: spec.rules[0].http.paths[0].backend.service.port.name"
    )
    assert finding.message == "Service 'model-serving' has no port named 'grpc'"


def test_selector_matching_no_pods(tree: Tree) -> None:
    text = tree.path(BASE).read_text()
    start = text.index("kind: PodDisruptionBudget")
    pdb = text[start:].replace(
        "app.kubernetes.io/name: model-serving", "app.kubernetes.io/name: model-serve", 1
    )
    tree.path(BASE).write_text(text[:start] + pdb)
    finding = only_finding(tree.validate())
    assert finding.where == "PodDisruptionBudget/model-serving: spec.selector.matchLabels"
    assert "matches no workload's pods" in finding.message


def test_nodepool_naming_a_missing_node_class(tree: Tree) -> None:
    tree.replace(
        "platform/environments/dev/karpenter-nodepool.yaml",
        "        kind: EC2NodeClass\n        name: default\n",
        "        kind: EC2NodeClass\n        name: general\n",
    )
    finding = only_finding(tree.validate())
    assert finding.where == "NodePool/default: spec.template.spec.nodeClassRef.name"
    assert finding.message == "no EC2NodeClass 'general' among this environment's files"


def test_a_kind_without_schema_fails_instead_of_passing(tree: Tree) -> None:
    line = tree.replace(
        "platform/environments/dev/karpenter-nodepool.yaml",
        "apiVersion: karpenter.sh/v1\n",
        "apiVersion: karpenter.sh/v1beta1\n",
    )
    finding = only_finding(tree.validate())
    assert (finding.line, finding.where) == (line, "NodePool/default: apiVersion")
    assert "no schema for NodePool karpenter.sh/v1beta1 in Kubernetes 1.35" in finding.message


def test_yaml_syntax_error_names_its_line(tree: Tree) -> None:
    line = tree.replace(
        BASE,
        "  name: model-serving\n",
        "  name: [model-serving\n",
    )
    finding = only_finding(tree.validate())
    assert finding.file == BASE
    assert finding.where == "YAML"
    assert finding.line >= line


def test_unknown_chart_value_and_wrong_type(tree: Tree) -> None:
    tree.replace(
        "platform/environments/dev/aws-load-balancer-controller.values.yaml",
        "clusterName: mlops-dev-cluster",
        "clustername: mlops-dev-cluster",
    )
    line = tree.replace(
        "platform/environments/dev/aws-load-balancer-controller.values.yaml",
        "replicaCount: 2",
        'replicaCount: "2"',
    )
    report = tree.validate()
    found = {(f.where, f.line, f.message) for f in report.findings}
    assert len(found) == 2, found
    assert (
        "values: clustername",
        6,
        "unknown key: the aws-load-balancer-controller chart has no such value",
    ) in found
    assert ("values: replicaCount", line, "is a string, the chart's default is a number") in found


def test_karpenter_values_are_checked_against_its_chart(tree: Tree) -> None:
    tree.replace(
        "platform/environments/prod/karpenter.values.yaml",
        "  interruptionQueue:",
        "  interruptionQueueName:",
    )
    finding = only_finding(tree.validate())
    assert finding.file == "platform/environments/prod/karpenter.values.yaml"
    assert finding.where == "values: settings.interruptionQueueName"


def test_a_file_copied_from_another_environment_is_caught(tree: Tree) -> None:
    line = tree.replace(
        "platform/environments/stage/karpenter-nodepool.yaml",
        "role: mlops-stage-karpenter-node",
        "role: mlops-dev-karpenter-node",
    )
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (
        "platform/environments/stage/karpenter-nodepool.yaml",
        line,
    )
    assert "'mlops-dev'" in finding.message


def test_capacity_types_agree_with_terraform(tree: Tree) -> None:
    for env, value in CAPACITY_TYPES.items():
        tree.set_tfvar(env, f"karpenter_capacity_types = {value}")
    report = tree.validate()
    assert report.findings == []
    assert not any("karpenter_capacity_types" in note for note in report.notes)


def test_spot_in_prod_nodepool_disagrees_with_terraform(tree: Tree) -> None:
    for env, value in CAPACITY_TYPES.items():
        tree.set_tfvar(env, f"karpenter_capacity_types = {value}")
    line = tree.replace(
        "platform/environments/prod/karpenter-nodepool.yaml",
        'values: ["on-demand"]',
        'values: ["spot", "on-demand"]',
    )
    finding = only_finding(tree.validate())
    assert finding.file == "platform/environments/prod/karpenter-nodepool.yaml"
    assert finding.line == line
    assert finding.where == "NodePool/default: spec.template.spec.requirements[0].values"
    assert "differ from karpenter_capacity_types ['on-demand']" in finding.message
    assert "infra/environments/prod/terraform.tfvars" in finding.message


def test_terraform_without_the_variable_is_a_note_not_a_pass_in_silence(tree: Tree) -> None:
    for env, value in CAPACITY_TYPES.items():
        tree.replace(f"infra/environments/{env}/terraform.tfvars", f"karpenter_capacity_types = {value}", "")
    report = tree.validate()
    assert report.findings == []
    assert sum("sets no karpenter_capacity_types" in note for note in report.notes) == 3


def test_image_from_another_account_or_region_is_caught(tree: Tree) -> None:
    tree.set_tfvar("stage", 'account_id = "222222222222"')
    findings = tree.validate().findings
    images = [f for f in findings if f.where == "image"]
    # model-serving's and MLflow's images.
    assert {f.file for f in images} == {overlay("stage"), "platform/environments/stage/mlflow/kustomization.yaml"}
    assert all("not this environment's (222222222222.dkr.ecr.us-east-1.amazonaws.com" in f.message for f in images)
    # The Mountpoint volumes name the bucket of the old account too (three of them).
    buckets = [f for f in findings if f.where.endswith("spec.csi.volumeAttributes.bucketName")]
    assert len(buckets) == 3 and len(findings) == 5, "\n".join(map(str, findings))


def test_network_policy_outside_the_vpc_is_caught(tree: Tree) -> None:
    line = tree.replace(overlay("stage"), "value: 10.1.0.0/16", "value: 10.0.0.0/16")
    finding = only_finding(tree.validate())
    assert finding.line == line
    assert finding.where == "NetworkPolicy/model-serving: spec.ingress[0].from[0].ipBlock.cidr"
    assert "10.0.0.0/16 is not inside vpc_cidr 10.1.0.0/16" in finding.message


def test_chart_region_must_be_the_environments(tree: Tree) -> None:
    tree.replace(
        "platform/environments/prod/aws-load-balancer-controller.values.yaml",
        "region: us-east-1",
        "region: eu-west-1",
    )
    finding = only_finding(tree.validate())
    assert finding.where == "values: region"
    assert "'eu-west-1' is not region 'us-east-1'" in finding.message


def test_a_version_bump_without_its_schemas_fails(tree: Tree) -> None:
    tree.replace("platform/versions.env", "KARPENTER_VERSION=1.14.1", "KARPENTER_VERSION=1.15.0")
    with pytest.raises(SystemExit, match="no CRDs in platform/schemas/karpenter-v1.15.0"):
        tree.validate()


def test_an_edited_upstream_schema_is_refused(tree: Tree) -> None:
    tree.replace(
        "platform/schemas/karpenter-v1.14.1/karpenter.sh_nodepools.yaml",
        "- WhenEmptyOrUnderutilized",
        "- WhenEmptyOrUnderutilized\n                        - WhenIdle",
    )
    with pytest.raises(
        SystemExit, match="karpenter.sh_nodepools.yaml differs from its upstream copy"
    ):
        tree.validate()


def test_command_line_exits_1_and_prints_findings(tree: Tree, capsys, monkeypatch) -> None:
    tree.replace(
        BASE,
        "averageUtilization: 70",
        "averageUtilization: high",
    )
    monkeypatch.chdir(tree.base)
    assert validate_manifests.main(["--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"FAIL {BASE}:" in err
    target = "spec.metrics[0].resource.target.averageUtilization"
    assert f"HorizontalPodAutoscaler/model-serving: {target}" in err


# The model-serving app is one base (platform/base/model-serving) and one overlay per
# environment; what the overlays change is checked as rendered, with the finding naming
# the file that holds the value.


def test_a_wrong_value_in_an_environments_patch_names_its_kustomization(tree: Tree) -> None:
    line = tree.replace(overlay("stage"), "value: 6", "value: six")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (overlay("stage"), line)
    assert finding.where == "HorizontalPodAutoscaler/model-serving: spec.maxReplicas"
    assert "'six' is not of type 'integer'" in finding.message


def test_an_environment_that_leaves_the_base_image_fails(tree: Tree) -> None:
    text = tree.path(overlay("prod")).read_text()
    start = text.index("  - target: {kind: Deployment")
    end = text.index("  - target: {kind: HorizontalPodAutoscaler")
    tree.path(overlay("prod")).write_text(text[:start] + text[end:])
    finding = only_finding(tree.validate())
    assert finding.file == BASE
    assert finding.where == "Deployment/model-serving: spec.template.spec.containers[0].image"
    assert "the base's placeholder: set it in platform/environments/prod/model-serving" in (
        finding.message
    )


def test_a_patch_of_a_field_the_base_lacks_names_the_patch(tree: Tree) -> None:
    line = tree.replace(overlay("dev"), "path: /spec/minReplicas", "path: /spec/minReplica/x")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (overlay("dev"), line - 1)  # the operation's line
    assert "no 'minReplica' on the way to the field" in finding.message


def test_a_kustomization_feature_the_renderer_lacks_is_refused(tree: Tree) -> None:
    line = tree.replace(overlay("dev"), "resources:\n", "namePrefix: dev-\nresources:\n")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line, finding.where) == (overlay("dev"), line, "namePrefix")
    assert "not supported by scripts/validate-manifests" in finding.message


def test_a_base_naming_an_environment_is_refused(tree: Tree) -> None:
    line = tree.replace(BASE, "image: model-serving:", "image: mlops-dev/model-serving:")
    report = tree.validate()
    assert [(f.file, f.line, f.where) for f in report.findings] == [(BASE, line, "base")]
    assert "a base is shared by every environment" in report.findings[0].message


def test_rendered_overlays_are_written_for_checkov(tree: Tree, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "rendered"
    out.mkdir()
    monkeypatch.chdir(tree.base)
    assert validate_manifests.main(["--quiet", "--rendered", str(out)]) == 0
    for env in ENVIRONMENTS:
        docs = list(yaml.safe_load_all((out / f"environments-{env}-model-serving.yaml").read_text()))
        deployment = next(d for d in docs if d["kind"] == "Deployment")
        image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        assert f"/mlops-{env}/model-serving:" in image
        assert len(docs) == 10
