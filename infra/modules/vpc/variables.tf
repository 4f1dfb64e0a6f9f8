variable "name" {
  description = "Name prefix for every resource (e.g. \"mlops-dev\"). IAM names created here start with it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}$", var.name))
    error_message = "name must be 2-39 lowercase letters, digits or hyphens and start with a letter."
  }
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC. Must be a /16 so the default subnet layout fits."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr, 0)) && endswith(var.cidr, "/16")
    error_message = "cidr must be a valid IPv4 /16 block, e.g. 10.0.0.0/16."
  }
}

variable "azs" {
  description = "Availability zone names to spread subnets over (one to six; EKS needs at least two)."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 1 && length(var.azs) <= 6 && length(distinct(var.azs)) == length(var.azs)
    error_message = "azs must list 1 to 6 distinct availability zones."
  }
}

variable "public_subnets" {
  description = "CIDRs of the public subnets, one per AZ. Empty means computed: /24s from <cidr> offset 48 (10.x.48.0/24, 10.x.49.0/24, ...)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.public_subnets : can(cidrhost(c, 0))])
    error_message = "public_subnets must contain valid IPv4 CIDR blocks."
  }
}

variable "private_subnets" {
  description = "CIDRs of the private subnets, one per AZ. Empty means computed: /20s 10.x.0.0, 10.x.16.0, 10.x.32.0, then 10.x.64.0, 10.x.80.0, 10.x.96.0 (10.x.48.0/20 holds the public /24s)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.private_subnets : can(cidrhost(c, 0))])
    error_message = "private_subnets must contain valid IPv4 CIDR blocks."
  }
}

variable "enable_nat_gateway" {
  description = "Create NAT gateway(s) so private subnets reach the internet."
  type        = bool
  default     = true
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway (cheaper, single-AZ failure domain) instead of one per AZ."
  type        = bool
  default     = false
}

variable "enable_s3_gateway_endpoint" {
  description = "Add an S3 gateway VPC endpoint to the private route tables, so S3 (and ECR layer) traffic skips the NAT gateway's per-GB charge."
  type        = bool
  default     = true
}

variable "enable_dns_hostnames" {
  description = "Enable DNS hostnames in the VPC (required by EKS)."
  type        = bool
  default     = true
}

variable "enable_flow_log" {
  description = "Send VPC flow logs to a KMS-encrypted CloudWatch log group."
  type        = bool
  default     = true
}

variable "flow_log_traffic_type" {
  description = "Traffic captured by the flow log: ACCEPT, REJECT or ALL."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ACCEPT, REJECT or ALL."
  }
}

variable "flow_log_max_aggregation_interval" {
  description = "Maximum flow log aggregation interval in seconds (60 or 600)."
  type        = number
  default     = 600

  validation {
    condition     = contains([60, 600], var.flow_log_max_aggregation_interval)
    error_message = "flow_log_max_aggregation_interval must be 60 or 600."
  }
}

variable "flow_log_cloudwatch_log_group_retention_in_days" {
  description = "Retention of the flow log group in days (a CloudWatch-supported value, at least 30)."
  type        = number
  default     = 365

  validation {
    condition     = contains([30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_cloudwatch_log_group_retention_in_days)
    error_message = "flow_log_cloudwatch_log_group_retention_in_days must be a CloudWatch retention value of at least 30 days."
  }
}

variable "flow_log_cloudwatch_log_group_kms_key_id" {
  description = "ARN of the KMS key that encrypts the flow log group. Its key policy must allow logs.<region>.amazonaws.com."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.flow_log_cloudwatch_log_group_kms_key_id))
    error_message = "flow_log_cloudwatch_log_group_kms_key_id must be a KMS key ARN."
  }
}

variable "cluster_name" {
  description = "EKS cluster that will use the subnets; adds the kubernetes.io/cluster and karpenter.sh/discovery tags. Null adds none."
  type        = string
  default     = null
}

variable "public_subnet_tags" {
  description = "Extra tags for public subnets."
  type        = map(string)
  default     = {}
}

variable "private_subnet_tags" {
  description = "Extra tags for private subnets."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary" {
  description = "ARN of the permissions boundary set on every IAM role this module creates (infra/bootstrap's per-environment boundary; the apply roles may create roles only with it)."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary))
    error_message = "permissions_boundary must be an IAM policy ARN, e.g. arn:aws:iam::111111111111:policy/mlops-boundary-dev."
  }
}
