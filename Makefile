# Short targets for the whole workflow. Everything runs from project-local virtualenvs (.venv and the
# tools' own), each installed from a lock with hashes in requirements/ (`make lock` rewrites them).

# Python's default, whatever the machine exports: modules are compiled once into __pycache__ and read
# from there after. With PYTHONDONTWRITEBYTECODE=1 (set on some machines) every process the suite starts
# (pytest's workers, each container process, the tools) compiles every module it imports anew:
# `import moto, boto3, handler.app` took 2.1 s instead of 0.85 s. The artifact's build drops __pycache__.
unexport PYTHONDONTWRITEBYTECODE

# Python: the Lambda runtime's version (3.13) where this machine has it (pyenv or PATH), else python3.
LAMBDA_PYTHON ?= 3.13
RUNTIME_PYTHON := $(firstword $(wildcard $(HOME)/.pyenv/versions/$(LAMBDA_PYTHON).*/bin/python$(LAMBDA_PYTHON)) $(shell command -v python$(LAMBDA_PYTHON) 2>/dev/null))
PYTHON ?= $(or $(RUNTIME_PYTHON),python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: suite run invoke test lint typecheck template unit dev clean openapi load build bench fuzz soak lock audit

# uv installs and locks. It comes from PyPI at the version (and hashes) in requirements/uv.txt, by pip.
UV := .venv-uv/bin/uv
export UV_PYTHON_DOWNLOADS := never
$(UV): requirements/uv.txt
	$(PYTHON) -m venv --clear .venv-uv
	.venv-uv/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements/uv.txt
	touch $(UV)

# A virtualenv on $(PYTHON), exactly the packages of a lock: $(call from_lock,folder,lock file)
define from_lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != ($(subst .,$(comma),$(LAMBDA_PYTHON))))' || \
		echo "NOTE: no python$(LAMBDA_PYTHON) (the Lambda runtime's) on this machine: $(1) uses $$($(PYTHON) --version)"
	$(UV) venv --quiet --clear --python $(PYTHON) $(1)
	$(UV) pip sync --quiet --require-hashes --python $(1)/bin/python $(2)
endef
comma := ,

$(STAMP): requirements/dev.txt $(UV)
	$(call from_lock,$(VENV),requirements/dev.txt)
	echo "$(CURDIR)/lib" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/session_scheduling.pth"
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
$(CHECKOV): requirements/checkov.txt $(UV)
	$(call from_lock,.venv-checkov,requirements/checkov.txt)
	touch $(CHECKOV)

# The SAM CLI pins its own pydantic: it gets a virtualenv of its own too.
SAM := .venv-sam/bin/sam
$(SAM): requirements/sam.txt $(UV)
	$(call from_lock,.venv-sam,requirements/sam.txt)
	touch $(SAM)

# --- Locks: `make lock` keeps every pin it can and adds what pyproject.toml or a requirements/*.in asks;
# `make lock UPGRADE=1` moves everything to the newest release. The artifact's lock is resolved for the
# Lambda platform (arm64, python3.13, wheels only); the others for any platform and Python >= 3.11.
# Left out of the artifact: boto3, botocore and their s3transfer, python-dateutil and six (the runtime
# provides them); zeep and what only it needs (artifact/zeep_placeholder stands in: simple-salesforce
# imports it for the SOAP Metadata API only); pycparser (cryptography's bindings load cffi's compiled
# backend, never its C parser: tests/artifact signs a JWT with the artifact alone to prove it).
LAMBDA_NOT_SHIPPED := boto3 botocore s3transfer python-dateutil six zeep lxml attrs isodate platformdirs \
	requests-file requests-toolbelt pycparser
LOCK = $(UV) pip compile --quiet --generate-hashes --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: $(UV) ## rewrite the hashed locks in requirements/ from pyproject.toml and requirements/*.in
	$(LOCK) pyproject.toml --python-platform aarch64-manylinux2014 --python-version $(LAMBDA_PYTHON) \
		--only-binary :all: $(addprefix --no-emit-package ,$(LAMBDA_NOT_SHIPPED)) -o requirements/lambda.txt
	$(LOCK) pyproject.toml --extra dev --universal --python-version 3.11 -c requirements/lambda.txt -o requirements/dev.txt
	$(LOCK) requirements/sam.in --universal --python-version 3.11 -o requirements/sam.txt
	$(LOCK) requirements/checkov.in --universal --python-version 3.11 -o requirements/checkov.txt
	$(LOCK) requirements/uv.in --universal --python-version 3.11 -o requirements/uv.txt

# Every lock against the published advisories (OSV); requirements/audit-ignore.toml lists the ignored ones.
audit: $(STAMP) ## pip-audit over every lock in requirements/: fails on a known vulnerability or when it cannot look
# First what needs no network: nothing the artifact carries is past or near its maintainers' end of support
# (requirements/end-of-support.toml); then the advisories, which a machine without the network cannot reach.
	$(BIN)/python -m local.end_of_support requirements/lambda.txt
	$(BIN)/python -m local.dependency_audit

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
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

# The checks run beside the suite, and pytest on four workers, each taking whole files (module fixtures
# such as the SAM build run once). Most of the suite's time is waiting (killed containers, the soak:
# about 1.6 of the 2 cores are busy), which the workers overlap: README, "Time to green".
PYTEST_WORKERS ?= 4
test: ## everything CI checks: lint, types, template, the whole test suite with coverage
	$(MAKE) --no-print-directory --jobs=4 --output-sync=target lint typecheck template suite

suite: $(STAMP) $(SAM) ## the whole test suite with coverage (make test runs it beside the checks)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --cov --cov-report=term-missing:skip-covered

load: $(STAMP) ## bounded load test on loopback: 20 clients, 30 s, 50 ms per Salesforce call
	$(BIN)/python -m bench.load --clients 20 --seconds 30 --latency 0.05

fuzz: $(STAMP) ## FUZZ_REQUESTS (default 10,000) confused requests through the handler: no 5xx, no record made by a 4xx
	$(BIN)/pytest tests/fuzz -m fuzz -q -p no:cacheprovider --show-capture=no

bench: $(STAMP) ## benchmark: Salesforce calls, warm latency and overhead, cold start, artifact size -> docs/performance.md
	$(BIN)/python -m bench.benchmark --requests 60 --latency 0.05 --output docs/benchmark-latest.md

soak: $(STAMP) ## chaos soak: containers SIGKILLed, Salesforce and DynamoDB faults combined at random, the org checked (SOAK_SECONDS=60 SOAK_SEED=1 SOAK_CONTAINERS=4)
	$(BIN)/python -m local.chaos

clean:
	rm -rf $(VENV) .venv-checkov .venv-sam .venv-uv .aws-sam .pytest_cache .mypy_cache .ruff_cache .coverage

# --- Lambda artifact (sam build runs this through BuildMethod: makefile; no Docker needed) -------
# Wheels for the Lambda platform, whatever Python and CPU this machine has.
LAMBDA_PLATFORM ?= manylinux2014_aarch64
# Lambda cannot write __pycache__ into /var/task: without shipped bytecode every cold start compiles
# every module. The bytecode must come from the runtime's Python version; without one, none is shipped.
# Parts of the wheels the service never imports keep their source only (importable, no bytecode).
NOT_COMPILED := /(pydantic/v1|aws_lambda_powertools/utilities/(parser|batch|streaming|kafka|feature_flags|data_masking|validation))/
LAMBDA_COMPILER ?= $(or $(RUNTIME_PYTHON),python$(LAMBDA_PYTHON))

build-SessionsFunction:
	$(PYTHON) -m pip install --quiet --no-deps --no-compile --target "$(ARTIFACTS_DIR)" \
		--platform $(LAMBDA_PLATFORM) --implementation cp --python-version $(LAMBDA_PYTHON) \
		--only-binary=:all: --require-hashes -r requirements/lambda.txt
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
