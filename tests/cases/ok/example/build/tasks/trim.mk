# makegen: task `trim` of pipeline `reads-demo` (generated; do not edit).
#
# Runs ONE instance, from any directory, on any node that sees the files:
#   make -f BUILD/tasks/trim.mk sample=VALUE lane=VALUE
# It runs the command only when the instance is out of date (an output missing, an input or
# code file newer than the last success, or the recipe changed), and refuses when an input is
# missing or an upstream instance is not done.
MAKEGEN_BUILD := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
include $(MAKEGEN_BUILD)/config.mk
export MAKEGEN_BUILD
.DEFAULT_GOAL := instance
ifeq ($(strip $(sample)),)
$(error makegen: say which instance: make -f $(MAKEGEN_BUILD)/tasks/trim.mk sample=VALUE lane=VALUE)
endif
ifeq ($(strip $(lane)),)
$(error makegen: say which instance: make -f $(MAKEGEN_BUILD)/tasks/trim.mk sample=VALUE lane=VALUE)
endif

MAKEGEN_KEY := $(sample)$(MAKEGEN_COMMA)$(lane)
MAKEGEN_OK := $(MAKEGEN_STATE)/trim/$(MAKEGEN_KEY).ok-663e769c0c6df889
MAKEGEN_OUTPUTS := $(OUTPUT_DIR)/trimmed/$(sample)_$(lane).fq
MAKEGEN_EXTERNAL := $(ROOT_DIR)/data/reads/$(sample)_$(lane).fq $(call makegen_abs,scripts/trim.py)

MAKEGEN_BLOCKED := $(strip \
  $(call makegen_missing,input file,$(MAKEGEN_EXTERNAL)) \
)

# The recipe (config.mk's makegen_recipe) runs the task script, or, for job.sh, only says
# what to do.
.PHONY: instance makegen-force
ifneq ($(MAKEGEN_BLOCKED),)
export MAKEGEN_BLOCKED
instance:
	$(call makegen_recipe,blocked,trim,sample=$(sample) lane=$(lane),blocked $(MAKEGEN_BLOCKED))
else
instance: $(call makegen_prereq,$(MAKEGEN_OK))
$(call makegen_target,$(MAKEGEN_OK)): $(call makegen_prereq,$(MAKEGEN_EXTERNAL)) $(if $(call makegen_absent,$(MAKEGEN_OUTPUTS))$(MAKEGEN_FORCE),makegen-force)
	$(call makegen_recipe,run,trim,sample=$(sample) lane=$(lane),run)
endif
makegen-force:
