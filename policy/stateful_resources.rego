# No destroy or replace of stateful resources (state and artifact buckets, KMS keys, RDS,
# the EKS cluster, registries) unless the pull request carries the explicit allow label
# (data.platform.allow_stateful_label): losing one loses data or every workload.
# What this policy reads (docs/policy.md, "What a policy sees"):
# tfpromote:types data.platform.stateful_types
# tfpromote:after none
# tfpromote:before none
# tfpromote:actions delete
# tfpromote:group
package tfpromote.stateful_resources

import rego.v1

deny contains {"address": rc.address, "message": msg} if {
	some rc in input.resource_changes
	rc.mode == "managed"
	rc.type in data.platform.stateful_types
	"delete" in rc.actions
	not data.platform.allow_stateful_label in input.labels
	verb := what(rc.actions)
	msg := sprintf("%s of a stateful %s; add the label %s to the pull request if this is intended", [verb, rc.type, data.platform.allow_stateful_label])
}

what(actions) := "replace" if "create" in actions

else := "destroy"
