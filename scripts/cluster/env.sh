# shellcheck shell=bash
# Source this (". scripts/cluster/env.sh") to talk to the test clusters started by
# sge-up.sh and slurm-up.sh. Only exports variables; safe to source more than once.

# Grid Engine clients (qsub, qstat, qacct, qconf, ...) find the cell through these.
export SGE_ROOT=/var/lib/gridengine
export SGE_CELL=default

# SLURM clients (sbatch, squeue, scontrol, ...) read this private config, not
# /etc/slurm/slurm.conf; jobs inherit it.
export SLURM_CONF=/var/tmp/makegen-slurm/slurm.conf

# The Debian packages put every client in /usr/bin (Grid Engine's through a wrapper),
# which is normally on PATH already; add it (and /usr/sbin for the daemons) if not.
for _makegen_dir in /usr/bin /usr/sbin; do
    case ":${PATH:-}:" in
        *":$_makegen_dir:"*) ;;
        *) PATH=${PATH:+$PATH:}$_makegen_dir ;;
    esac
done
unset _makegen_dir
export PATH
