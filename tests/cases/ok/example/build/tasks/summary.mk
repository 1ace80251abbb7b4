# makegen: task `summary` of pipeline `reads-demo` (generated; do not edit).
#
# Runs ONE instance, from any directory, on any node that sees the files:
#   make -f BUILD/tasks/summary.mk
# It runs the command only when the instance is out of date (an output missing, an input or
# code file newer than the last success, or the recipe changed), and refuses when an input is
# missing or an upstream instance is not done.
MAKEGEN_BUILD := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
include $(MAKEGEN_BUILD)/config.mk
include $(MAKEGEN_BUILD)/params/sample.mk
export MAKEGEN_BUILD
.DEFAULT_GOAL := instance

MAKEGEN_KEY := _
MAKEGEN_OK := $(MAKEGEN_STATE)/summary/$(MAKEGEN_KEY).ok-19052119622d6013
MAKEGEN_OUTPUTS := $(OUTPUT_DIR)/summary/samples.tsv $(OUTPUT_DIR)/summary/report.md
MAKEGEN_EXTERNAL := $(call makegen_abs,scripts/summarize.py)
# input counts/{sample}/{sample}.stats.tsv is made by task count (inside a directory output: as new as its success marker)
MAKEGEN_FROM_1 := $(foreach makegen_v_sample,$(MAKEGEN_VALUES_sample),$(OUTPUT_DIR)/counts/$(makegen_v_sample)/$(makegen_v_sample).stats.tsv)
MAKEGEN_UPOK_1 := $(foreach makegen_v_sample,$(MAKEGEN_VALUES_sample),$(MAKEGEN_STATE)/count/$(makegen_v_sample).ok-ee434edcb52454a1)
MAKEGEN_UPIDS_1 = $(foreach makegen_v_sample,$(MAKEGEN_VALUES_sample),count[sample=$(makegen_v_sample)])
# input counts/{sample}/{sample}.contigs.tsv is made by task count (inside a directory output: as new as its success marker)
MAKEGEN_FROM_2 := $(foreach makegen_v_sample,$(MAKEGEN_VALUES_sample),$(OUTPUT_DIR)/counts/$(makegen_v_sample)/$(makegen_v_sample).contigs.tsv)

MAKEGEN_BLOCKED := $(strip \
  $(call makegen_missing,input file,$(MAKEGEN_EXTERNAL)) \
  $(call makegen_missing,output of task count,$(MAKEGEN_FROM_1)) \
  $(call makegen_notdone,count,$(MAKEGEN_UPOK_1),MAKEGEN_UPIDS_1) \
  $(call makegen_missing,output of task count,$(MAKEGEN_FROM_2)) \
)

# The recipe (config.mk's makegen_recipe) runs the task script, or, for job.sh, only says
# what to do.
.PHONY: instance makegen-force
ifneq ($(MAKEGEN_BLOCKED),)
export MAKEGEN_BLOCKED
instance:
	$(call makegen_recipe,blocked,summary,,blocked $(MAKEGEN_BLOCKED))
else
instance: $(call makegen_prereq,$(MAKEGEN_OK))
$(call makegen_target,$(MAKEGEN_OK)): $(call makegen_prereq,$(MAKEGEN_EXTERNAL) $(MAKEGEN_UPOK_1) $(MAKEGEN_UPOK_1)) $(if $(call makegen_absent,$(MAKEGEN_OUTPUTS))$(MAKEGEN_FORCE),makegen-force)
	$(call makegen_recipe,run,summary,,run)
endif
makegen-force:
