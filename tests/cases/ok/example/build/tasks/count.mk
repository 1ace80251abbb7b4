# makegen: task `count` of pipeline `reads-demo` (generated; do not edit).
#
# Runs ONE instance, from any directory, on any node that sees the files:
#   make -f BUILD/tasks/count.mk sample=VALUE
# It runs the command only when the instance is out of date (an output missing, an input or
# code file newer than the last success, or the recipe changed), and refuses when an input is
# missing or an upstream instance is not done.
MAKEGEN_BUILD := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
include $(MAKEGEN_BUILD)/config.mk
include $(MAKEGEN_BUILD)/params/lane.mk
export MAKEGEN_BUILD
.DEFAULT_GOAL := instance
ifeq ($(strip $(sample)),)
$(error makegen: say which instance: make -f $(MAKEGEN_BUILD)/tasks/count.mk sample=VALUE)
endif

MAKEGEN_KEY := $(sample)
MAKEGEN_OK := $(MAKEGEN_STATE)/count/$(MAKEGEN_KEY).ok-ee434edcb52454a1
MAKEGEN_OUTPUTS := $(OUTPUT_DIR)/counts/$(sample)
MAKEGEN_EXTERNAL := $(call makegen_abs,$(REF)) $(call makegen_abs,scripts/count.sh)
# input aligned/{sample}_{lane}.tsv is made by task align
MAKEGEN_FROM_1 := $(foreach makegen_v_lane,$(MAKEGEN_VALUES_lane),$(OUTPUT_DIR)/aligned/$(sample)_$(makegen_v_lane).tsv)
MAKEGEN_UPOK_1 := $(foreach makegen_v_lane,$(MAKEGEN_VALUES_lane),$(MAKEGEN_STATE)/align/$(sample)$(MAKEGEN_COMMA)$(makegen_v_lane).ok-68ac71fc496e8fcc)
MAKEGEN_UPIDS_1 = $(foreach makegen_v_lane,$(MAKEGEN_VALUES_lane),align[sample=$(sample)$(MAKEGEN_COMMA)lane=$(makegen_v_lane)])

MAKEGEN_BLOCKED := $(strip \
  $(call makegen_missing,input file,$(MAKEGEN_EXTERNAL)) \
  $(call makegen_missing,output of task align,$(MAKEGEN_FROM_1)) \
  $(call makegen_notdone,align,$(MAKEGEN_UPOK_1),MAKEGEN_UPIDS_1) \
)

# The recipe (config.mk's makegen_recipe) runs the task script, or, for job.sh, only says
# what to do.
.PHONY: instance makegen-force
ifneq ($(MAKEGEN_BLOCKED),)
export MAKEGEN_BLOCKED
instance:
	$(call makegen_recipe,blocked,count,sample=$(sample),blocked $(MAKEGEN_BLOCKED))
else
instance: $(call makegen_prereq,$(MAKEGEN_OK))
$(call makegen_target,$(MAKEGEN_OK)): $(call makegen_prereq,$(MAKEGEN_EXTERNAL) $(MAKEGEN_FROM_1)) $(if $(call makegen_absent,$(MAKEGEN_OUTPUTS))$(MAKEGEN_FORCE),makegen-force)
	$(call makegen_recipe,run,count,sample=$(sample),run)
endif
makegen-force:
