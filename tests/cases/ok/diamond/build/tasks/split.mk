# makegen: task `split` of pipeline `diamond` (generated; do not edit).
#
# Runs ONE instance, from any directory, on any node that sees the files:
#   make -f BUILD/tasks/split.mk sample=VALUE chunk=VALUE
# It runs the command only when the instance is out of date (an output missing, an input or
# code file newer than the last success, or the recipe changed), and refuses when an input is
# missing or an upstream instance is not done.
MAKEGEN_BUILD := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
include $(MAKEGEN_BUILD)/config.mk
export MAKEGEN_BUILD
.DEFAULT_GOAL := instance
ifeq ($(strip $(sample)),)
$(error makegen: say which instance: make -f $(MAKEGEN_BUILD)/tasks/split.mk sample=VALUE chunk=VALUE)
endif
ifeq ($(strip $(chunk)),)
$(error makegen: say which instance: make -f $(MAKEGEN_BUILD)/tasks/split.mk sample=VALUE chunk=VALUE)
endif

MAKEGEN_KEY := $(sample)$(MAKEGEN_COMMA)$(chunk)
MAKEGEN_OK := $(MAKEGEN_STATE)/split/$(MAKEGEN_KEY).ok-01f49c1d3b80a04b
MAKEGEN_OUTPUTS := $(OUTPUT_DIR)/split/$(sample)/$(chunk).txt
MAKEGEN_EXTERNAL := $(ROOT_DIR)/data/$(sample).txt $(call makegen_abs,$(REF)) $(call makegen_abs,tools/split.sh)

MAKEGEN_BLOCKED := $(strip \
  $(call makegen_missing,input file,$(MAKEGEN_EXTERNAL)) \
)

# The recipe (config.mk's makegen_recipe) runs the task script, or, for job.sh, only says
# what to do.
.PHONY: instance makegen-force
ifneq ($(MAKEGEN_BLOCKED),)
export MAKEGEN_BLOCKED
instance:
	$(call makegen_recipe,blocked,split,sample=$(sample) chunk=$(chunk),blocked $(MAKEGEN_BLOCKED))
else
instance: $(call makegen_prereq,$(MAKEGEN_OK))
$(call makegen_target,$(MAKEGEN_OK)): $(call makegen_prereq,$(MAKEGEN_EXTERNAL)) $(if $(call makegen_absent,$(MAKEGEN_OUTPUTS))$(MAKEGEN_FORCE),makegen-force)
	$(call makegen_recipe,run,split,sample=$(sample) chunk=$(chunk),run)
endif
makegen-force:
