"""Runs SAM's transform, as CloudFormation does on deploy, for several sets of parameter values.

Run with the SAM CLI's Python (.venv-sam, where aws-sam-translator lives; the project's .venv has no
SAM translator). Reads {"template": ..., "deployments": [{"parameters": {...}, "code_uri": "s3://..."}]}
as JSON on stdin and writes the translated templates, in order, as a JSON list on stdout. No AWS call:
the template names no managed policy, and the region comes with the session, not from AWS.
"""

import copy
import json
import sys

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator


def main() -> None:
    request = json.load(sys.stdin)
    session = boto3.session.Session(region_name="us-west-2")
    translated = []
    for deployment in request["deployments"]:
        template = copy.deepcopy(request["template"])
        # What `sam deploy` uploads and writes in place of each function's local CodeUri.
        for name, resource in template["Resources"].items():
            if resource["Type"] == "AWS::Serverless::Function":
                resource["Properties"]["CodeUri"] = f"{deployment['code_uri']}-{name}"
        translator = Translator(managed_policy_map={}, sam_parser=Parser(), boto_session=session)
        translated.append(
            translator.translate(template, parameter_values=deployment["parameters"], get_managed_policy_map=dict)
        )
    json.dump(translated, sys.stdout)


if __name__ == "__main__":
    main()
