output "id" {
  description = "Name of the log bucket."
  value       = aws_s3_bucket.this.id
}

output "arn" {
  description = "ARN of the log bucket."
  value       = aws_s3_bucket.this.arn
}

output "policy_dependency" {
  description = "The bucket policy's ID: depend on it before pointing a delivery at the bucket."
  value       = aws_s3_bucket_policy.this.id
}
