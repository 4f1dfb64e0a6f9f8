"""Dataset and model access under platform/ (scripts/validate-manifests runs these): the
example training Job with its Mountpoint volumes (platform/base/ml-training and one overlay
per environment) and model-serving's read-only models volume, against the Kubernetes 1.35
schemas and the environment's Terraform variables. Each test breaks one file the way an
edit might and checks the finding names the file, the line and the field.
"""

from __future__ import annotations

from test_validate_manifests import BASE, Tree, only_finding, tree  # noqa: F401  (fixture)

TRAINING_BASE = "platform/base/ml-training/ml-training.yaml"


def training_overlay(env: str) -> str:
    return f"platform/environments/{env}/ml-training/kustomization.yaml"


def serving_overlay(env: str) -> str:
    return f"platform/environments/{env}/model-serving/kustomization.yaml"


def test_every_environment_renders_the_training_job_and_volumes(tree: Tree) -> None:
    report = tree.validate()
    assert report.findings == []
    for env in ("dev", "stage", "prod"):
        for obj in (
            "Job/train-example",
            "PersistentVolume/ml-training-datasets",
            "PersistentVolume/ml-training-models",
            "PersistentVolumeClaim/datasets",
            "ServiceAccount/training",
        ):
            assert any(p.startswith(f"{training_overlay(env)}: {obj} ") for p in report.passed), obj
        for obj in ("PersistentVolume/model-serving-models", "ServiceAccount/model-serving"):
            assert any(p.startswith(f"{serving_overlay(env)}: {obj} ") for p in report.passed), obj


def test_wrong_type_in_the_training_job_names_the_base(tree: Tree) -> None:
    line = tree.replace(TRAINING_BASE, "backoffLimit: 3", "backoffLimit: three")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (TRAINING_BASE, line)
    assert finding.where == "Job/train-example: spec.backoffLimit"
    assert "'three' is not of type 'integer'" in finding.message


def test_unknown_field_in_a_mountpoint_volume_is_an_error(tree: Tree) -> None:
    line = tree.replace(TRAINING_BASE, "    volumeHandle: ml-training-models", "    volumeHandel: ml-training-models")
    findings = tree.validate().findings
    assert (TRAINING_BASE, line, "PersistentVolume/ml-training-models: spec.csi.volumeHandel", "unknown field (not in the schema)") in {
        (f.file, f.line, f.where, f.message) for f in findings
    }


def test_a_volume_on_another_environments_bucket_is_caught(tree: Tree) -> None:
    line = tree.replace(
        training_overlay("prod"),
        "value: mlops-platform-artifacts-prod-111111111111",
        "value: mlops-platform-artifacts-dev-111111111111",
    )
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (training_overlay("prod"), line)
    assert finding.where == "PersistentVolume/ml-training-datasets: spec.csi.volumeAttributes.bucketName"
    assert "is not this environment's artifact bucket 'mlops-platform-artifacts-prod-111111111111'" in finding.message


def test_a_volume_with_the_drivers_credentials_is_refused(tree: Tree) -> None:
    line = tree.replace(BASE, "      authenticationSource: pod\n", "      authenticationSource: driver\n")
    finding = only_finding(tree.validate())
    assert (finding.file, finding.line) == (BASE, line)
    assert finding.where == "PersistentVolume/model-serving-models: spec.csi.volumeAttributes.authenticationSource"
    assert "authenticationSource: pod" in finding.message


def test_serving_overlay_leaving_the_bucket_placeholder_fails(tree: Tree) -> None:
    text = tree.path(serving_overlay("stage")).read_text()
    cut = text.index("  - target: {kind: PersistentVolume, name: model-serving-models}")
    tree.path(serving_overlay("stage")).write_text(text[:cut])
    finding = only_finding(tree.validate())
    assert finding.file == BASE
    assert finding.where == "PersistentVolume/model-serving-models: spec.csi.volumeAttributes.bucketName"
    assert f"placeholder: set it in {serving_overlay('stage')}" in finding.message


def test_a_claim_naming_a_missing_volume_is_caught(tree: Tree) -> None:
    tree.replace(TRAINING_BASE, "  volumeName: ml-training-datasets\n", "  volumeName: ml-training-dataset\n")
    findings = tree.validate().findings
    # PersistentVolumeClaim.spec.volumeName is a free string to the schema; the
    # reference check must notice, or the claim stays Pending on the cluster.
    assert any(
        f.file == TRAINING_BASE and f.where == "PersistentVolumeClaim/datasets: spec.volumeName" for f in findings
    ), "\n".join(map(str, findings))
