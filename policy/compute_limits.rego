# Instance types allowed per environment, and a ceiling on the GPUs the environment's node
# groups and instances may ask for (data.platform.compute).
# What this policy reads (docs/policy.md, "What a policy sees"):
# tfpromote:types aws_eks_node_group, aws_instance, aws_launch_template
# tfpromote:after instance_type, instance_types, scaling_config
# tfpromote:before none
# Identical resources are evaluated once (`group`); the GPU total counts each entry `count`
# times, so it is the same as over every resource.
# tfpromote:group
package tfpromote.compute_limits

import rego.v1

limits := data.platform.compute[input.environment]

changing(rc) if {
	rc.mode == "managed"
	some action in rc.actions
	action in {"create", "update"}
}

instance_types(rc) := types if {
	rc.type == "aws_eks_node_group"
	types := {t | some t in rc.after.instance_types}
}

instance_types(rc) := types if {
	rc.type in {"aws_instance", "aws_launch_template"}
	types := {rc.after.instance_type}
}

deny contains {"address": rc.address, "message": msg} if {
	some rc in input.resource_changes
	changing(rc)
	some t in instance_types(rc)
	is_string(t)
	# A launch template without its own type (the node group names them) reads back as "".
	t != ""
	not t in limits.instance_types
	msg := sprintf("instance type %s is not allowed in %s (allowed: %s)", [t, input.environment, concat(", ", limits.instance_types)])
}

gpus(rc) := n if {
	rc.type == "aws_eks_node_group"
	some config in rc.after.scaling_config
	n := max([g | t := rc.after.instance_types[_]; g := data.platform.gpus_per_instance[t] * config.max_size])
}

gpus(rc) := data.platform.gpus_per_instance[rc.after.instance_type] if rc.type == "aws_instance"

requested := sum([g | some rc in input.resource_changes; rc.mode == "managed"; not "delete" in rc.actions; g := gpus(rc) * object.get(rc, "count", 1)])

deny contains {"address": rc.address, "message": msg} if {
	requested > limits.max_gpus
	some rc in input.resource_changes
	rc.mode == "managed"
	not "delete" in rc.actions
	gpus(rc) > 0
	msg := sprintf("the plan asks for up to %d GPUs in %s; the limit is %d", [requested, input.environment, limits.max_gpus])
}
