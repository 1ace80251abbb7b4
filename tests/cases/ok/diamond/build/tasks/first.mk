# makegen: task `first` of pipeline `diamond` (generated; do not edit).
#
# Runs ONE instance, from any directory, on any node that sees the files:
#   make -f BUILD/tasks/first.mk sample=VALUE
# It runs the command only when the instance is out of date (an output missing, an input or
# code file newer than the last success, or the recipe changed), and refuses when an input is
# missing or an upstream instance is not done.
MAKEGEN_BUILD := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
include $(MAKEGEN_BUILD)/config.mk
export MAKEGEN_BUILD
.DEFAULT_GOAL := instance
ifeq ($(strip $(sample)),)
$(error makegen: say which instance: make -f $(MAKEGEN_BUILD)/tasks/first.mk sample=VALUE)
endif

MAKEGEN_KEY := $(sample)
MAKEGEN_OK := $(MAKEGEN_STATE)/first/$(MAKEGEN_KEY).ok-ea77a9572d251384
MAKEGEN_OUTPUTS := $(OUTPUT_DIR)/first/$(sample).txt $(OUTPUT_DIR)/first/$(sample).log
MAKEGEN_EXTERNAL := /etc/hostname
# input unpacked/{sample}/1.txt is made by task unpack (inside a directory output: as new as its success marker)
MAKEGEN_FROM_1 := $(OUTPUT_DIR)/unpacked/$(sample)/1.txt
MAKEGEN_UPOK_1 := $(MAKEGEN_STATE)/unpack/$(sample).ok-9c713856fc0bfaf4
MAKEGEN_UPIDS_1 = unpack[sample=$(sample)]

MAKEGEN_BLOCKED := $(strip \
  $(call makegen_missing,input file,$(MAKEGEN_EXTERNAL)) \
  $(call makegen_missing,output of task unpack,$(MAKEGEN_FROM_1)) \
  $(call makegen_notdone,unpack,$(MAKEGEN_UPOK_1),MAKEGEN_UPIDS_1) \
)

# The recipe (config.mk's makegen_recipe) runs the task script, or, for job.sh, only says
# what to do.
.PHONY: instance makegen-force
ifneq ($(MAKEGEN_BLOCKED),)
export MAKEGEN_BLOCKED
instance:
	$(call makegen_recipe,blocked,first,sample=$(sample),blocked $(MAKEGEN_BLOCKED))
else
instance: $(call makegen_prereq,$(MAKEGEN_OK))
$(call makegen_target,$(MAKEGEN_OK)): $(call makegen_prereq,$(MAKEGEN_EXTERNAL) $(MAKEGEN_UPOK_1)) $(if $(call makegen_absent,$(MAKEGEN_OUTPUTS))$(MAKEGEN_FORCE),makegen-force)
	$(call makegen_recipe,run,first,sample=$(sample),run)
endif
makegen-force:
