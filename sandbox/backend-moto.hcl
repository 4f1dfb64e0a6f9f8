# Partial S3 backend configuration for the environments against a local moto
# server. Use with:
#   terraform init -reconfigure -backend-config=sandbox/backend-moto.hcl
# The endpoint comes from the environment (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
# = http://127.0.0.1:<port>), because moto runs on a free port chosen per run.
# Everything else (key, region, encrypt, use_lockfile) stays as in backend.tf.
bucket = "mlops-platform-tfstate-123456789012"

use_path_style              = true
skip_credentials_validation = true
skip_requesting_account_id  = true
skip_metadata_api_check     = true
skip_region_validation      = true

# The state key alias created by infra/bootstrap, in moto's account.
kms_key_id = "arn:aws:kms:us-east-1:123456789012:alias/mlops-tfstate"
