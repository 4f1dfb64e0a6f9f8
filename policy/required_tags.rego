# Every taggable resource of the platform carries the cost and ownership tags the provider's
# default_tags set (data.platform.required_tags): a resource without them is invisible to
# cost allocation and to the per-environment IAM conditions.
# What this policy reads (docs/policy.md, "What a policy sees"):
# tfpromote:types data.platform.tagged_types
# tfpromote:after tags_all:keys, tags:keys
# tfpromote:before none
# tfpromote:actions create, update
# tfpromote:group
package tfpromote.required_tags

import rego.v1

tags_of(values) := values.tags_all if is_object(values.tags_all)

else := values.tags if is_object(values.tags)

else := {}

deny contains {"address": rc.address, "message": msg} if {
	some rc in input.resource_changes
	rc.mode == "managed"
	rc.type in data.platform.tagged_types
	some action in rc.actions
	action in {"create", "update"}
	tags := tags_of(rc.after)
	missing := {t | some t in data.platform.required_tags; not tags[t]}
	count(missing) > 0
	msg := sprintf("missing required tags: %s", [concat(", ", sort(missing))])
}
