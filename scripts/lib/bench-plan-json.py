"""Writes a generated `terraform show -json` plan of N resources for the benchmarks.

Usage: python3 scripts/lib/bench-plan-json.py PATH N SHAPE

plain     : small objects with tags and a list of rules; no sensitive values (one marked
            variable and an unmarked `tags` map), the shape scripts/bench-render has always used.
sensitive : every resource carries sensitive values in `before` and `after`, marked in
            `before_sensitive`/`after_sensitive` with nested maps and lists, the way
            Terraform marks real databases (a password and a connection block), secrets
            (a JSON secret string and a list of rotation keys) and instances (user data,
            tags with one sensitive value). Every secret is distinct, as in real plans.
Both cycle through create, update, delete, replace, no-op and read, so the counts of each
action are known (scripts/bench-render checks them against jq and Python).
"""

import json
import sys

KINDS = [["create"], ["update"], ["delete"], ["delete", "create"], ["no-op"], ["read"]]


def plain(i, actions):
    def obj(team, size):
        return {"name": f"r{i}", "tags": {"Team": team, "Env": "prod"}, "size": size,
                "rules": [{"port": 443, "cidr": "10.0.0.0/16"}] * 3}
    before = None if actions == ["create"] else obj("a", i)
    after = None if actions == ["delete"] else obj("b", i + 1)
    return {"address": f"module.m{i % 50}.aws_thing.r{i}", "mode": "managed", "type": "aws_thing",
            "name": f"r{i}", "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": actions, "before": before, "after": after,
                       "after_unknown": {"id": True}, "before_sensitive": {},
                       "after_sensitive": {"tags": {}}}}


def sensitive(i, actions):
    """One of three resource kinds, each with distinct secrets in before and after."""
    kind = (i // len(KINDS)) % 3  # every kind meets every action

    def value(version):
        secret = f"{i:08x}-{version}"
        if kind == 0:
            resource = "aws_db_instance"
            values = {"identifier": f"db-{i}", "engine": "postgres", "instance_class": "db.t3.micro",
                      "allocated_storage": 20 + version, "username": "app",
                      "password": f"pw-{secret}-Zq9",
                      "connection": {"host": f"db-{i}.internal", "port": 5432,
                                     "password": f"conn-{secret}", "options": ["sslmode=require"]},
                      "tags": {"Team": "data", "Env": "prod"}}
            marks = {"password": True, "connection": {"password": True, "options": [False]},
                     "tags": {}}
        elif kind == 1:
            resource = "aws_secretsmanager_secret_version"
            values = {"secret_id": f"arn:aws:secretsmanager:us-east-1:123456789012:secret:app-{i}",
                      "secret_string": json.dumps({"api_key": f"key-{secret}", "dsn": f"postgres://app:{secret}@db/app"}),
                      "rotation_keys": [f"rot-{secret}-a", f"rot-{secret}-b"],
                      "version_stages": ["AWSCURRENT"]}
            marks = {"secret_string": True, "rotation_keys": [True, True], "version_stages": [False]}
        else:
            resource = "aws_instance"
            values = {"ami": "ami-0abcdef1234567890", "instance_type": "t3.small",
                      "user_data": f"#!/bin/bash\nexport TOKEN={secret}\n/opt/app/start --port 8080\n",
                      "tags": {"Name": f"app-{i}", "Bootstrap": f"boot-{secret}"},
                      "ebs_block_device": [{"device_name": "/dev/sdf", "volume_size": 50 + version,
                                            "kms_key_id": f"kms-{secret}"}]}
            marks = {"user_data": True, "tags": {"Bootstrap": True},
                     "ebs_block_device": [{"kms_key_id": True}]}
        return resource, values, marks

    resource, before, before_marks = value(1)
    _, after, after_marks = value(2)
    if actions == ["create"]:
        before, before_marks = None, False
    if actions == ["delete"]:
        after, after_marks = None, False
    return {"address": f"module.m{i % 50}.{resource}.r{i}", "mode": "managed", "type": resource,
            "name": f"r{i}", "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": actions, "before": before, "after": after,
                       "after_unknown": {"id": True} if after is not None else False,
                       "before_sensitive": before_marks, "after_sensitive": after_marks}}


def main():
    path, n, shape = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    make = {"plain": plain, "sensitive": sensitive}.get(shape)
    if make is None:
        sys.exit(f"bench-plan-json.py: unknown shape {shape!r}: use plain or sensitive")
    with open(path, "w") as f:
        f.write('{"format_version":"1.2","terraform_version":"1.11.4","variables":{"pw":{"value":"s3cret"}},"resource_changes":[')
        for i in range(n):
            if i:
                f.write(",")
            # Sorted keys, as Terraform writes objects (the fingerprint reads them in one pass then).
            json.dump(make(i, KINDS[i % len(KINDS)]), f, sort_keys=True)
        f.write('],"output_changes":{"o":{"actions":["update"],"before":"a","after":"b","after_unknown":false,"before_sensitive":false,"after_sensitive":false}},'
                '"configuration":{"root_module":{"variables":{"pw":{"sensitive":true}}}}}')


if __name__ == "__main__":
    main()
