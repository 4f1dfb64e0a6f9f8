# No destroy or replace of stateful resources (state and artifact buckets, KMS keys, RDS,
# the EKS cluster, registries) unless the pull request carries the explicit allow label
# (data.platform.allow_stateful_label): losing one loses data or every workload.
# input.labels holds a label only when a person with write access who is not the pull
# request's author added it (not a bot, not the pull request's own workflow token), so the
# label is a second person's decision (docs/policy.md, "The allow label").
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
	msg := sprintf("%s of a stateful %s; if this is intended, a person with write access who is not the pull request's author adds the label %s", [verb, rc.type, data.platform.allow_stateful_label])
}

what(actions) := "replace" if "create" in actions

else := "destroy"
