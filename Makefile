# Short targets for the whole workflow. Everything runs from a project-local virtualenv (.venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run invoke test lint typecheck template unit dev clean openapi load build bench fuzz soak

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

dev: $(STAMP) ## set up .venv with the service and its dev tools

run: $(STAMP) ## serve POST /sessions on 127.0.0.1:3000 against the embedded Salesforce stand-in
	$(BIN)/python -m local.api

invoke: $(STAMP) ## run one event through the handler: make invoke EVENT=events/create-session-with-task.json
	$(BIN)/python -m local.invoke $(or $(EVENT),events/create-session-with-task.json)

openapi: $(STAMP) ## rewrite docs/openapi.json from the resolver (a test fails when it is stale)
	$(BIN)/python -m local.openapi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy lib handler

# checkov pins an old `packaging` that breaks pytest 9: it gets a virtualenv of its own.
CHECKOV := .venv-checkov/bin/checkov
$(CHECKOV):
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet checkov==3.3.30

# The SAM CLI pins its own pydantic: it gets a virtualenv of its own too.
SAM := .venv-sam/bin/sam
$(SAM):
	$(PYTHON) -m venv .venv-sam
	.venv-sam/bin/python -m pip install --quiet aws-sam-cli==1.170.0

build: $(SAM) ## sam build without Docker (arm64 wheels for python3.13)
	$(SAM) build

# The template is linted as written (SnapStart Disabled) and with SnapStart Enabled.
SNAPSTART_TEMPLATE := .aws-sam/template-snapstart.yaml
template: $(STAMP) $(CHECKOV) ## cfn-lint, checkov (suppressions are justified in the template), workflow schemas
	mkdir -p .aws-sam
	sed 's/Default: Disabled  # snapstart-default/Default: Enabled  # snapstart-default/' template.yaml > $(SNAPSTART_TEMPLATE)
	grep -q 'Default: Enabled  # snapstart-default' $(SNAPSTART_TEMPLATE)
	$(BIN)/cfn-lint template.yaml $(SNAPSTART_TEMPLATE)
	$(CHECKOV) --file template.yaml --framework cloudformation --compact --quiet --skip-download
	$(CHECKOV) --file $(SNAPSTART_TEMPLATE) --framework cloudformation --compact --quiet --skip-download
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

test: lint typecheck template $(SAM) ## everything CI checks: lint, types, template, the whole test suite with coverage
	$(BIN)/pytest --cov --cov-report=term-missing:skip-covered

load: $(STAMP) ## bounded load test on loopback: 20 clients, 30 s, 50 ms per Salesforce call
	$(BIN)/python -m bench.load --clients 20 --seconds 30 --latency 0.05

fuzz: $(STAMP) ## FUZZ_REQUESTS (default 10,000) confused requests through the handler: no 5xx, no record made by a 4xx
	$(BIN)/pytest tests/fuzz -m fuzz -q -p no:cacheprovider --show-capture=no

bench: $(STAMP) ## benchmark: Salesforce calls, warm latency and overhead, cold start, artifact size -> docs/performance.md
	$(BIN)/python -m bench.benchmark --requests 60 --latency 0.05 --output docs/benchmark-latest.md

soak: $(STAMP) ## chaos soak: containers SIGKILLed, Salesforce and DynamoDB faults combined at random, the org checked (SOAK_SECONDS=60 SOAK_SEED=1 SOAK_CONTAINERS=4)
	$(BIN)/python -m local.chaos

clean:
	rm -rf $(VENV) .venv-checkov .venv-sam .aws-sam .pytest_cache .mypy_cache .ruff_cache .coverage

# --- Lambda artifact (sam build runs this through BuildMethod: makefile; no Docker needed) -------
# Wheels for the Lambda platform, whatever Python and CPU this machine has.
LAMBDA_PLATFORM ?= manylinux2014_aarch64
LAMBDA_PYTHON ?= 3.13
# Lambda cannot write __pycache__ into /var/task: without shipped bytecode every cold start compiles
# every module. The bytecode must come from the runtime's Python version; without one, none is shipped.
# Parts of the wheels the service never imports keep their source only (importable, no bytecode).
NOT_COMPILED := /(pydantic/v1|aws_lambda_powertools/utilities/(parser|batch|streaming|kafka|feature_flags|data_masking|validation))/
LAMBDA_COMPILER ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/$(LAMBDA_PYTHON)*/bin/python$(LAMBDA_PYTHON)) python$(LAMBDA_PYTHON))

build-SessionsFunction:
	$(PYTHON) -m pip install --quiet --no-deps --no-compile --target "$(ARTIFACTS_DIR)" \
		--platform $(LAMBDA_PLATFORM) --implementation cp --python-version $(LAMBDA_PYTHON) \
		--only-binary=:all: -r requirements/lambda.txt
	cp -R handler "$(ARTIFACTS_DIR)/handler"
	cp -R lib/session_scheduling "$(ARTIFACTS_DIR)/session_scheduling"
	cp -R artifact/zeep_placeholder/zeep "$(ARTIFACTS_DIR)/zeep"
	find "$(ARTIFACTS_DIR)" -name __pycache__ -prune -exec rm -rf {} +
	rm -rf "$(ARTIFACTS_DIR)"/bin
	find "$(ARTIFACTS_DIR)" -name "*.pyi" -delete
	if "$(LAMBDA_COMPILER)" -c "" 2>/dev/null; then \
		"$(LAMBDA_COMPILER)" -m compileall -q -j 0 --invalidation-mode unchecked-hash -x "$(NOT_COMPILED)" \
			"$(ARTIFACTS_DIR)" >/dev/null; \
	else echo "no python$(LAMBDA_PYTHON) here: the artifact ships without bytecode"; fi

# The failure notifier (template condition HasSlack): its own package only; boto3 comes with the runtime.
build-FailureNoticesFunction:
	mkdir -p "$(ARTIFACTS_DIR)"
	cp -R lib/failure_notices "$(ARTIFACTS_DIR)/failure_notices"
	find "$(ARTIFACTS_DIR)" -name __pycache__ -prune -exec rm -rf {} +
