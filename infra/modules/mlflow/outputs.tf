output "db_instance_identifier" {
  description = "RDS identifier of the MLflow database."
  value       = aws_db_instance.this.identifier
}

output "db_endpoint" {
  description = "Host name of the database (the MLflow Deployment's backend store host)."
  value       = aws_db_instance.this.address
}

output "db_port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Database MLflow uses."
  value       = aws_db_instance.this.db_name
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret RDS keeps the master credentials in (the ARN only; its value never passes through Terraform). Only the MLflow role may read it."
  value       = local.secret_arn
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.db.id
}

output "role_arn" {
  description = "ARN of MLflow's Pod Identity role."
  value       = module.role.role_arn
}

output "role_name" {
  description = "Name of MLflow's Pod Identity role."
  value       = module.role.role_name
}

output "policy" {
  description = "MLflow role's inline policy (JSON)."
  value       = module.role.policy
}

output "association" {
  description = "The Pod Identity association, or null."
  value       = module.role.association
}

output "artifact_uri" {
  description = "MLflow's --artifacts-destination: s3://<bucket>/<artifact_prefix>."
  value       = "s3://${local.bucket_name}/${var.artifact_prefix}"
}
