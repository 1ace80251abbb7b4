# makegen: run-time configuration of pipeline `diamond` (generated; do not edit).
#
# Every task Makefile includes this file. A setting's value, highest precedence first:
#   1. make -f ... NAME=value                        (Make syntax: write $$ for $)
#   2. the environment variable NAME                 (literal text)
#   3. the site config file named by $MAKEGEN_CONFIG (Make syntax; sees the defaults below)
#   4. the defaults below, from pipeline.toml        (literal text)
# Print the settings in force: make -f {build}/config.mk makegen-config
MAKEGEN_EMPTY :=
MAKEGEN_SETTINGS := ROOT_DIR OUTPUT_DIR REF LEVEL

# 2. Remember what the environment says before the defaults replace it, as literal text.
ifeq ($(origin ROOT_DIR),environment)
MAKEGEN_ENV_ROOT_DIR := $(value ROOT_DIR)
endif
ifeq ($(origin OUTPUT_DIR),environment)
MAKEGEN_ENV_OUTPUT_DIR := $(value OUTPUT_DIR)
endif
ifeq ($(origin REF),environment)
MAKEGEN_ENV_REF := $(value REF)
endif
ifeq ($(origin LEVEL),environment)
MAKEGEN_ENV_LEVEL := $(value LEVEL)
endif

# 4. The build's defaults.
ROOT_DIR := {root}
OUTPUT_DIR = $(ROOT_DIR)/out
REF := ref/genome.fa
LEVEL := 3

# 3. The site config.
ifneq ($(strip $(MAKEGEN_CONFIG)),)
ifeq ($(wildcard $(MAKEGEN_CONFIG)),)
$(error makegen: MAKEGEN_CONFIG names $(MAKEGEN_CONFIG), which does not exist (relative paths are read from the current directory))
endif
include $(MAKEGEN_CONFIG)
endif

# 2. The environment beats the site config.
ifeq ($(origin MAKEGEN_ENV_ROOT_DIR),file)
ROOT_DIR := $(MAKEGEN_ENV_ROOT_DIR)
endif
ifeq ($(origin MAKEGEN_ENV_OUTPUT_DIR),file)
OUTPUT_DIR := $(MAKEGEN_ENV_OUTPUT_DIR)
endif
ifeq ($(origin MAKEGEN_ENV_REF),file)
REF := $(MAKEGEN_ENV_REF)
endif
ifeq ($(origin MAKEGEN_ENV_LEVEL),file)
LEVEL := $(MAKEGEN_ENV_LEVEL)
endif

export ROOT_DIR OUTPUT_DIR REF LEVEL
MAKEGEN_STATE = $(OUTPUT_DIR)/.makegen/state

# Built-in rules would make Make look for RCS and SCCS files beside every target: off.
.SUFFIXES:
%:: %,v
%:: RCS/%,v
%:: RCS/%
%:: s.%
%:: SCCS/s.%

.PHONY: makegen-config
makegen-config:
	@:$(foreach name,$(MAKEGEN_SETTINGS),$(info $(name)=$($(name))))

# makegen_recipe MODE,TASK,ARGS,DECISION: the recipe of an instance that runs (or is blocked).
# When job.sh asks make only to decide (MAKEGEN_DECIDE names a file), the decision and the
# settings in force go to that file, and job.sh runs the instance in its own shell: make
# starts no program. Otherwise the task script runs it. The build path reaches the shell only
# as "$$MAKEGEN_BUILD", whatever it holds; `exec` keeps the task script the child of make,
# so a signal to make reaches it.
# GNU make before 4.0 has no $(file): there the task script runs the instance itself, and
# job.sh learns how it ended from the report file.
MAKEGEN_CAN_DECIDE := $(if $(filter 3.%,$(MAKE_VERSION)),,1)
makegen_recipe = $(if $(and $(MAKEGEN_DECIDE),$(MAKEGEN_CAN_DECIDE)),@$(file >$(MAKEGEN_DECIDE),$(4))$(foreach makegen_name,$(MAKEGEN_SETTINGS) MAKEGEN_BUILD,$(file >>$(MAKEGEN_DECIDE),$(makegen_name)=$($(makegen_name)))),@exec bash "$$MAKEGEN_BUILD/tasks/$(2).sh" $(1) $(3))

# Helpers of the task Makefiles. A comma cannot stand in a function argument.
MAKEGEN_COMMA := ,
makegen_abs = $(if $(filter /%,$(1)),$(1),$(ROOT_DIR)/$(1))
makegen_some = $(wordlist 1,3,$(1))$(if $(word 4,$(1)), and $(words $(wordlist 4,$(words $(1)),$(1))) more)
# Every character of ROOT_DIR, OUTPUT_DIR and the build path must reach the files as it is.
# makegen_glob PATHS: as $(wildcard) patterns (a backslash escapes in a glob).
makegen_glob = $(subst [,\[,$(subst ?,\?,$(subst *,\*,$(subst \,\\,$(1)))))
# makegen_absent PATHS: those that do not exist.
makegen_absent = $(filter-out $(wildcard $(call makegen_glob,$(1))),$(1))
# makegen_prereq/makegen_target PATHS: as the prerequisites/targets of a rule, where `;`
# would start a recipe and `|` (in prerequisites) the order-only ones.
makegen_prereq = $(subst |,\|,$(subst ;,\;,$(1)))
makegen_target = $(subst ;,\;,$(1))
# makegen_missing WHAT,PATHS: "missing WHAT: ..." for the PATHS that do not exist.
makegen_missing = $(if $(call makegen_absent,$(2)),missing $(1): $(call makegen_some,$(call makegen_absent,$(2)));)
# makegen_notdone TASK,OK-MARKERS,IDS-VARIABLE: the upstream instances with no success
# recorded, by id. The variable named lists the ids in the order of OK-MARKERS; it is
# expanded only here, when something is missing. (`%` is in no path and no id.)
makegen_notdone = $(if $(call makegen_absent,$(2)),task $(1) has not finished: $(call makegen_some,$(call makegen_missing_ids,$(2),$($(3))));)
makegen_missing_ids = $(foreach makegen_pair,$(join $(1),$(addprefix %,$(2))),$(if $(wildcard $(call makegen_glob,$(firstword $(subst %, ,$(makegen_pair))))),,$(lastword $(subst %, ,$(makegen_pair)))))
