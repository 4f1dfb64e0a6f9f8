provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  # Only the sandbox (an S3 endpoint without virtual-hosted buckets) sets this.
  s3_use_path_style = var.s3_use_path_style

  default_tags {
    tags = merge(var.tags, {
      Project     = var.project
      Environment = var.env
      ManagedBy   = "terraform"
      Repository  = var.repository
    })
  }
}
