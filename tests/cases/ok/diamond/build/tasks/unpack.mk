# makegen: task `unpack` of pipeline `diamond` (generated; do not edit).
#
# Runs ONE instance, from any directory, on any node that sees the files:
#   make -f BUILD/tasks/unpack.mk sample=VALUE
# It runs the command only when the instance is out of date (an output missing, an input or
# code file newer than the last success, or the recipe changed), and refuses when an input is
# missing or an upstream instance is not done.
MAKEGEN_BUILD := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
include $(MAKEGEN_BUILD)/config.mk
include $(MAKEGEN_BUILD)/params/chunk.mk
export MAKEGEN_BUILD
.DEFAULT_GOAL := instance
ifeq ($(strip $(sample)),)
$(error makegen: say which instance: make -f $(MAKEGEN_BUILD)/tasks/unpack.mk sample=VALUE)
endif

MAKEGEN_KEY := $(sample)
MAKEGEN_OK := $(MAKEGEN_STATE)/unpack/$(MAKEGEN_KEY).ok-9c713856fc0bfaf4
MAKEGEN_OUTPUTS := $(OUTPUT_DIR)/unpacked/$(sample)
MAKEGEN_EXTERNAL := 
# input split/{sample}/{chunk}.txt is made by task split
MAKEGEN_FROM_1 := $(foreach makegen_v_chunk,$(MAKEGEN_VALUES_chunk),$(OUTPUT_DIR)/split/$(sample)/$(makegen_v_chunk).txt)
MAKEGEN_UPOK_1 := $(foreach makegen_v_chunk,$(MAKEGEN_VALUES_chunk),$(MAKEGEN_STATE)/split/$(sample)$(MAKEGEN_COMMA)$(makegen_v_chunk).ok-01f49c1d3b80a04b)
MAKEGEN_UPIDS_1 = $(foreach makegen_v_chunk,$(MAKEGEN_VALUES_chunk),split[sample=$(sample)$(MAKEGEN_COMMA)chunk=$(makegen_v_chunk)])

MAKEGEN_BLOCKED := $(strip \
  $(call makegen_missing,input file,$(MAKEGEN_EXTERNAL)) \
  $(call makegen_missing,output of task split,$(MAKEGEN_FROM_1)) \
  $(call makegen_notdone,split,$(MAKEGEN_UPOK_1),MAKEGEN_UPIDS_1) \
)

# The recipe (config.mk's makegen_recipe) runs the task script, or, for job.sh, only says
# what to do.
.PHONY: instance makegen-force
ifneq ($(MAKEGEN_BLOCKED),)
export MAKEGEN_BLOCKED
instance:
	$(call makegen_recipe,blocked,unpack,sample=$(sample),blocked $(MAKEGEN_BLOCKED))
else
instance: $(call makegen_prereq,$(MAKEGEN_OK))
$(call makegen_target,$(MAKEGEN_OK)): $(call makegen_prereq,$(MAKEGEN_EXTERNAL) $(MAKEGEN_FROM_1)) $(if $(call makegen_absent,$(MAKEGEN_OUTPUTS))$(MAKEGEN_FORCE),makegen-force)
	$(call makegen_recipe,run,unpack,sample=$(sample),run)
endif
makegen-force:
