"""The MLflow tracking server under platform/ (scripts/validate-manifests runs these): the
base and one overlay per environment against the Kubernetes 1.35 schemas, the load
balancer controller's annotations, the environment's Terraform variables and the rule that
no credential is written into the repository. Each test breaks one file the way an edit
might and checks the finding names the file, the line and the field.
"""

from __future__ import annotations

from test_validate_manifests import Tree, only_finding, tree  # noqa: F401  (fixture)

MLFLOW_BASE = "platform/base/mlflow/mlflow.yaml"


def mlflow_overlay(env: str) -> str:
    return f"platform/environments/{env}/mlflow/kustomization.yaml"


def test_every_environment_renders_mlflow(tree: Tree) -> None:
    report = tree.validate()
    assert report.findings == []
    for env in ("dev", "stage", "prod"):
        for obj in ("Deployment/mlflow", "Service/mlflow", "NetworkPolicy/mlflow", "Ingress/mlflow", "ConfigMap/mlflow-launcher"):
            assert any(p.startswith(f"{mlflow_overlay(env)}: {obj} ") for p in report.passed), obj


def test_wrong_type_in_the_deployment_names_the_base(tree: Tree) -> None:
    line = tree.replace(MLFLOW_BASE, "  replicas: 2\n", "  replicas: two\n")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (MLFLOW_BASE, line)
    assert finding.where == "Deployment/mlflow: spec.replicas"
    assert "'two' is not of type 'integer'" in finding.message


def test_overlay_leaving_the_database_placeholder_fails(tree: Tree) -> None:
    tree.replace(
        mlflow_overlay("dev"),
        "      - op: replace\n        path: /spec/template/spec/containers/0/env/1/value\n        value: mlops-dev-mlflow\n",
        "",
    )
    finding = only_finding(tree.validate())
    assert finding.file == MLFLOW_BASE
    assert finding.where == "Deployment/mlflow: spec.template.spec.containers[0].env[1].value"
    assert f"placeholder: set it in {mlflow_overlay('dev')}" in finding.message


def test_another_environments_database_is_caught(tree: Tree) -> None:
    line = tree.replace(mlflow_overlay("stage"), "value: mlops-stage-mlflow", "value: mlops-prod-mlflow")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (mlflow_overlay("stage"), line)
    assert "'mlops-prod'" in finding.message


def test_network_policy_outside_the_vpc_is_caught(tree: Tree) -> None:
    line = tree.replace(mlflow_overlay("prod"), "        path: /spec/ingress/0/from/0/ipBlock/cidr\n        value: 10.2.0.0/16", "        path: /spec/ingress/0/from/0/ipBlock/cidr\n        value: 0.0.0.0/0")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (mlflow_overlay("prod"), line + 1)
    assert finding.where == "NetworkPolicy/mlflow: spec.ingress[0].from[0].ipBlock.cidr"
    assert "not inside vpc_cidr 10.2.0.0/16" in finding.message


def test_an_internet_facing_registry_without_https_is_refused(tree: Tree) -> None:
    line = tree.replace(MLFLOW_BASE, "alb.ingress.kubernetes.io/scheme: internal", "alb.ingress.kubernetes.io/scheme: internet-facing")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (MLFLOW_BASE, line)
    assert finding.where == "Ingress/mlflow: metadata.annotations.alb.ingress.kubernetes.io/scheme"
    assert "keep it internal" in finding.message


def test_misspelt_alb_annotation_is_caught(tree: Tree) -> None:
    line = tree.replace(MLFLOW_BASE, "alb.ingress.kubernetes.io/healthcheck-path: /health", "alb.ingress.kubernetes.io/healthcheck-pth: /health")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (MLFLOW_BASE, line)
    assert finding.where == "Ingress/mlflow: metadata.annotations.alb.ingress.kubernetes.io/healthcheck-pth"


def test_an_overlay_patching_an_annotation_the_base_lacks_names_the_patch(tree: Tree) -> None:
    tree.replace(MLFLOW_BASE, "    alb.ingress.kubernetes.io/inbound-cidrs: 192.0.2.0/24\n", "")
    findings = tree.validate().findings
    assert {f.file for f in findings} == {mlflow_overlay(e) for e in ("dev", "stage", "prod")}, findings
    assert all("inbound-cidrs" in f.where and "the base has no" in f.message for f in findings)


def test_a_password_written_into_the_deployment_is_refused(tree: Tree) -> None:
    line = tree.replace(
        MLFLOW_BASE,
        "            - name: HOME\n              value: /tmp\n",
        "            - name: HOME\n              value: /tmp\n            - name: DB_PASSWORD\n              value: hunter2\n",
    )
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (MLFLOW_BASE, line + 3)
    assert finding.where == "Deployment/mlflow: spec.template.spec.containers[0].env[4].value"
    assert "DB_PASSWORD looks like a credential" in finding.message
    assert "hunter2" not in str(finding)


def test_a_secret_object_is_refused(tree: Tree) -> None:
    text = tree.path(MLFLOW_BASE).read_text()
    tree.path(MLFLOW_BASE).write_text(
        text + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: mlflow-db\n  namespace: mlflow\nstringData:\n  password: hunter2\n"
    )
    finding = only_finding(tree.validate())
    assert finding.file == MLFLOW_BASE
    assert finding.where == "Secret/mlflow-db: kind"
    assert "static credential" in finding.message
