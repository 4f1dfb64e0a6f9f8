# Nothing public: buckets and registries are never readable by everyone, the EKS API is
# never open to the whole internet, and no security group admits the world.
# What this policy reads (docs/policy.md, "What a policy sees"):
# tfpromote:types aws_s3_bucket_public_access_block, aws_s3_bucket_acl, aws_s3_bucket, aws_s3_bucket_policy, aws_ecr_repository_policy, aws_eks_cluster, aws_vpc_security_group_ingress_rule, aws_security_group_rule, aws_security_group
# tfpromote:after block_public_acls, block_public_policy, ignore_public_acls, restrict_public_buckets, acl, policy, vpc_config, type, cidr_ipv4, cidr_ipv6, cidr_blocks, ipv6_cidr_blocks, ingress
# tfpromote:before none
# tfpromote:actions create, update
# tfpromote:group
package tfpromote.no_public

import rego.v1

world := {"0.0.0.0/0", "::/0"}

changing(rc) if {
	rc.mode == "managed"
	some action in rc.actions
	action in {"create", "update"}
}

deny contains {"address": rc.address, "message": "S3 public access block must block public ACLs and policies"} if {
	some rc in input.resource_changes
	rc.type == "aws_s3_bucket_public_access_block"
	changing(rc)
	some flag in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]
	rc.after[flag] == false
}

deny contains {"address": rc.address, "message": sprintf("bucket ACL %s makes it public", [rc.after.acl])} if {
	some rc in input.resource_changes
	rc.type in {"aws_s3_bucket_acl", "aws_s3_bucket"}
	changing(rc)
	rc.after.acl in {"public-read", "public-read-write", "authenticated-read"}
}

deny contains {"address": rc.address, "message": "policy grants access to every principal (\"*\") without a condition"} if {
	some rc in input.resource_changes
	rc.type in {"aws_s3_bucket_policy", "aws_ecr_repository_policy"}
	changing(rc)
	is_string(rc.after.policy)
	doc := json.unmarshal(rc.after.policy)
	some statement in doc.Statement
	statement.Effect == "Allow"
	everyone(statement.Principal)
	not statement.Condition
}

everyone(principal) if principal == "*"

everyone(principal) if principal.AWS == "*"

deny contains {"address": rc.address, "message": "EKS API endpoint is public to the whole internet"} if {
	some rc in input.resource_changes
	rc.type == "aws_eks_cluster"
	changing(rc)
	some config in rc.after.vpc_config
	config.endpoint_public_access == true
	some cidr in config.public_access_cidrs
	cidr in world
}

deny contains {"address": rc.address, "message": sprintf("security group rule admits %s", [cidr])} if {
	some rc in input.resource_changes
	rc.type in {"aws_vpc_security_group_ingress_rule", "aws_security_group_rule"}
	changing(rc)
	object.get(rc.after, "type", "ingress") == "ingress"
	some cidr in cidrs(rc.after)
	cidr in world
}

deny contains {"address": rc.address, "message": sprintf("security group ingress admits %s", [cidr])} if {
	some rc in input.resource_changes
	rc.type == "aws_security_group"
	changing(rc)
	some rule in rc.after.ingress
	some cidr in cidrs(rule)
	cidr in world
}

cidrs(values) := {c |
	some key in ["cidr_ipv4", "cidr_ipv6"]
	c := values[key]
	is_string(c)
} | {c |
	some key in ["cidr_blocks", "ipv6_cidr_blocks"]
	is_array(values[key])
	some c in values[key]
}
