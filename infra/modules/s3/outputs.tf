output "s3_bucket_id" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.id
}

output "s3_bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "s3_bucket_regional_domain_name" {
  description = "Regional domain name of the bucket."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "access_log_bucket_id" {
  description = "Name of the bucket receiving server access logs (companion or external), or null."
  value       = try(aws_s3_bucket_logging.this[0].target_bucket, null)
}
