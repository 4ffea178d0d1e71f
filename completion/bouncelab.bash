# bash completion for bouncelab and gembench (installed as
# share/bash-completion/completions/{bouncelab,gembench}).
#
# Everything is read from the programs themselves when completing, so the
# completion cannot fall behind them: subcommands from `bouncelab --help`,
# each command's options from `bouncelab COMMAND --help`, DMA modes from the
# mode table `bouncelab lab --help` prints, workloads and backends from
# `gembench --list`, metrics from `bouncelab compare --help`.

# Words of the section of `gembench --list` headed $1 ("Backends:", "Workloads:").
_bouncelab_list_section()
{
	gembench --list 2>/dev/null | awk -v h="$1" '
		/^[A-Z][A-Za-z -]*:$/ { on = ($0 == h); next }
		on && /^  [a-z]/ { print $1 }'
}

# DMA modes: the rows of the table after "DMA modes" in `bouncelab lab --help`.
_bouncelab_modes()
{
	bouncelab lab --help 2>/dev/null | awk '
		/^DMA modes/ { on = 1; next }
		on && /^$/ { exit }
		on && /^  [a-z]/ { print $1 }'
}

# The --long options a --help text mentions.
_bouncelab_opts()
{
	"$@" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9_-]*' | sort -u
}

# Completes a comma-separated list of $2... after what is typed before the last comma.
_bouncelab_csv()
{
	local cur=$1 prefix=""
	shift
	[[ $cur == *,* ]] && prefix=${cur%,*},
	COMPREPLY=($(compgen -P "$prefix" -W "$*" -- "${cur##*,}"))
}

_gembench()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	--workload) COMPREPLY=($(compgen -W "$(_bouncelab_list_section Workloads:)" -- "$cur")); return ;;
	--backend) COMPREPLY=($(compgen -W "$(_bouncelab_list_section Backends:)" -- "$cur")); return ;;
	--device | --importer) COMPREPLY=($(compgen -W "vgem virtio_gpu i915 udmabuf system" -f -- "$cur")); return ;;
	--job | --json) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_bouncelab_opts gembench)" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -X '!*.ini' -- "$cur") $(compgen -d -- "$cur"))
	fi
}

_bouncelab()
{
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$(bouncelab --help 2>/dev/null |
			awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }') --help --version" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	case $prev in
	--modes | --mode | --base-mode) _bouncelab_csv "$cur" $(_bouncelab_modes); return ;;
	--metric) _bouncelab_csv "$cur" $(bouncelab compare --help 2>/dev/null |
		awk '/^Metrics/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); return ;;
	--job | --db | --out | --config | --guest-script | --plots) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "png svg md json text" -- "$cur")); return ;;
	--clock) COMPREPLY=($(compgen -W "icount wall" -- "$cur")); return ;;
	esac
	case $cur in
	-*) COMPREPLY=($(compgen -W "$(_bouncelab_opts bouncelab "$cmd")" -- "$cur")) ;;
	mode=*) _bouncelab_csv "${cur#mode=}" $(_bouncelab_modes); COMPREPLY=("${COMPREPLY[@]/#/mode=}") ;;
	workload=*) COMPREPLY=($(compgen -P workload= -W "$(_bouncelab_list_section Workloads:)" -- "${cur#workload=}")) ;;
	backend=*) COMPREPLY=($(compgen -P backend= -W "$(_bouncelab_list_section Backends:)" -- "${cur#backend=}")) ;;
	*) [ "$cmd" = ingest ] && COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}

complete -F _bouncelab bouncelab
complete -F _gembench gembench
