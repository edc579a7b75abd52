# Helpdesk: developer entry points. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV ?= uv
# Commands run after an explicit sync, so `uv run` must not sync (or re-lock) again.
RUN := $(UV) run --no-sync
# --all-packages installs every workspace member, including services not yet listed in the root deps.
SYNC_FLAGS := $(if $(wildcard uv.lock),--frozen) --all-packages

DEV_SECRET := .local/dev-secret
# The dev HS256 secret: HELPDESK_JWT_SECRET if already exported, else the untracked .local/dev-secret.
DEV_ENV = HELPDESK_ENV=dev HELPDESK_JWT_SECRET="$${HELPDESK_JWT_SECRET:-$$(cat $(DEV_SECRET))}"

ROLE ?= agent
MERCHANT ?= m1
SUB ?= u1
PYTEST_ARGS ?=
BENCH_ARGS ?=

# mypy names modules from these roots; without them imports between packages go unchecked.
MYPY_ROOTS := libs/contracts/src libs/servicekit/src $(wildcard services/*/src)
COMPOSE := docker compose -f deploy/compose.yaml

.PHONY: help ensure-uv sync up down test test-faults check token contracts bench bench-all demo infra infra-down image deploy-check dead-letters

help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

ensure-uv:
	@command -v $(UV) >/dev/null 2>&1 || pip install uv

sync: ensure-uv ## install the workspace (all libs, services, dev tools) into .venv
	$(UV) sync $(SYNC_FLAGS)

.venv:
	$(MAKE) sync

$(DEV_SECRET):
	@scripts/dev-secret.sh

up: sync $(DEV_SECRET) ## start every service, follow their logs (Ctrl-C stops all; DETACH=1 returns once healthy)
	@$(DEV_ENV) scripts/up.sh

down: ## stop what `make up` started
	@scripts/down.sh

test: sync ## run every test (real broker and databases: HELPDESK_TEST_*, else the local servers, else testcontainers)
	$(RUN) pytest -m "not isolated" $(PYTEST_ARGS)
	@# Tests that need the servers to themselves, in a session of their own (exit 5: none selected by PYTEST_ARGS).
	$(RUN) pytest -m isolated $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-faults: sync ## restart RabbitMQ and PostgreSQL (private instances), kill -9 each service under load; prints recovery per fault
	$(RUN) pytest tests/faults -m faults $(PYTEST_ARGS)

check: sync ## lint (ruff) and type-check (mypy)
	$(RUN) ruff check libs services tests bench deploy
	MYPYPATH=$(subst $() ,:,$(strip $(MYPY_ROOTS))) $(RUN) mypy $(MYPY_ROOTS)

token: | .venv $(DEV_SECRET) ## print a dev JWT: make token ROLE=customer MERCHANT=m1 SUB=u1
	@$(RUN) python -m helpdesk_servicekit.devtoken --role $(ROLE) --merchant $(MERCHANT) --sub $(SUB)

contracts: | .venv ## write libs/contracts/schemas/*.json
	$(RUN) python -m helpdesk_contracts.schemas
	$(RUN) python -m helpdesk_contracts.catalogue

bench: | .venv $(DEV_SECRET) ## end to end: the whole system at 10/50/100/200 tickets/s beside bare baselines (bench/results/e2e.*)
	$(DEV_ENV) $(RUN) python bench/e2e.py $(BENCH_ARGS)

bench-all: | .venv $(DEV_SECRET) ## run every bench/*.py (not the _helpers) and print its figures
	@shopt -s nullglob; scripts=(bench/[!_]*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "no benchmarks in bench/"; exit 0; fi; \
	for f in "$${scripts[@]}"; do echo "== $$f"; $(DEV_ENV) $(RUN) python "$$f"; done

demo: | .venv $(DEV_SECRET) ## drive a ticket through its whole life (needs `make up`)
	@if [ -f scripts/demo.sh ]; then bash scripts/demo.sh; else echo "scripts/demo.sh not found"; exit 1; fi

infra: $(DEV_SECRET) ## start RabbitMQ and PostgreSQL in Docker for `make up`
	$(DEV_ENV) $(COMPOSE) up -d --wait rabbitmq postgres

infra-down: $(DEV_SECRET) ## stop the Docker RabbitMQ and PostgreSQL
	$(DEV_ENV) $(COMPOSE) down

image: ## build the one image every service runs from
	docker build -f deploy/Dockerfile -t helpdesk:dev .

deploy-check: sync ## build every Kubernetes overlay, validate it strictly offline, check it wires what the code reads
	$(RUN) python deploy/check.py

SERVICE ?= tickets
DL ?= list
dead-letters: | .venv ## a service's dead-lettered events: make dead-letters SERVICE=sla [DL="replay --all"|"drop --event-id X"]
	@$(RUN) python -m helpdesk_servicekit.deadletters $(DL) --service $(SERVICE)
