# makegen: task `report` of pipeline `diamond` (generated; do not edit).
#
# Runs ONE instance, from any directory, on any node that sees the files:
#   make -f BUILD/tasks/report.mk
# It runs the command only when the instance is out of date (an output missing, an input or
# code file newer than the last success, or the recipe changed), and refuses when an input is
# missing or an upstream instance is not done.
MAKEGEN_BUILD := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
include $(MAKEGEN_BUILD)/config.mk
include $(MAKEGEN_BUILD)/params/sample.mk
export MAKEGEN_BUILD
.DEFAULT_GOAL := instance

MAKEGEN_KEY := _
MAKEGEN_OK := $(MAKEGEN_STATE)/report/$(MAKEGEN_KEY).ok-dc42157c46e93c05
MAKEGEN_OUTPUTS := $(OUTPUT_DIR)/report.txt
MAKEGEN_EXTERNAL := 
# input first/{sample}.txt is made by task first
MAKEGEN_FROM_1 := $(foreach makegen_v_sample,$(MAKEGEN_VALUES_sample),$(OUTPUT_DIR)/first/$(makegen_v_sample).txt)
MAKEGEN_UPOK_1 := $(foreach makegen_v_sample,$(MAKEGEN_VALUES_sample),$(MAKEGEN_STATE)/first/$(makegen_v_sample).ok-ea77a9572d251384)
MAKEGEN_UPIDS_1 = $(foreach makegen_v_sample,$(MAKEGEN_VALUES_sample),first[sample=$(makegen_v_sample)])
# after = ["unpack"]: every instance of it must be done first
MAKEGEN_AFTER_1 := $(foreach makegen_v_sample,$(MAKEGEN_VALUES_sample),$(MAKEGEN_STATE)/unpack/$(makegen_v_sample).ok-9c713856fc0bfaf4)
MAKEGEN_AFTERIDS_1 = $(foreach makegen_v_sample,$(MAKEGEN_VALUES_sample),unpack[sample=$(makegen_v_sample)])

MAKEGEN_BLOCKED := $(strip \
  $(call makegen_missing,input file,$(MAKEGEN_EXTERNAL)) \
  $(call makegen_missing,output of task first,$(MAKEGEN_FROM_1)) \
  $(call makegen_notdone,first,$(MAKEGEN_UPOK_1),MAKEGEN_UPIDS_1) \
  $(call makegen_notdone,unpack,$(MAKEGEN_AFTER_1),MAKEGEN_AFTERIDS_1) \
)

# The recipe (config.mk's makegen_recipe) runs the task script, or, for job.sh, only says
# what to do.
.PHONY: instance makegen-force
ifneq ($(MAKEGEN_BLOCKED),)
export MAKEGEN_BLOCKED
instance:
	$(call makegen_recipe,blocked,report,,blocked $(MAKEGEN_BLOCKED))
else
instance: $(call makegen_prereq,$(MAKEGEN_OK))
$(call makegen_target,$(MAKEGEN_OK)): $(call makegen_prereq,$(MAKEGEN_EXTERNAL) $(MAKEGEN_FROM_1)) $(if $(call makegen_absent,$(MAKEGEN_OUTPUTS))$(MAKEGEN_FORCE),makegen-force)
	$(call makegen_recipe,run,report,,run)
endif
makegen-force:
