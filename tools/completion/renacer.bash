# bash completion for renacer-run, renacer-exporter and renacer-ctl.
# The options come from each program's own --help, so they never drift
# from what the program takes.

_renacer_opts()
{
	"$1" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*\|^ *-[a-zA-Z]\b' | tr -d ' ' | sort -u
}

_renacer_run()
{
	local cur prev i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	# after "--" or the program: complete the program and its arguments
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			_command_offset $((i + 1))
			return
		fi
	done
	case $prev in
	-o|--otlp-file|--spool-dir|--session-dir|--status|--replay)
		_filedir
		return ;;
	--format)
		COMPREPLY=($(compgen -W "text json" -- "$cur"))
		return ;;
	--on-full)
		COMPREPLY=($(compgen -W "block drop" -- "$cur"))
		return ;;
	-S|--summary-sort-by)
		COMPREPLY=($(compgen -W "time calls errors name avg-time min-time max-time nothing" -- "$cur"))
		return ;;
	-U|--summary-columns)
		# a comma-separated list: complete the name after the last comma
		local cols="time-percent total-time avg-time calls errors name min-time max-time p50-time p99-time"
		COMPREPLY=($(compgen -P "${cur%"${cur##*,}"}" -W "$cols" -- "${cur##*,}"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_renacer_opts "${COMP_WORDS[0]}")" -- "$cur"))
	else
		_command_offset "$COMP_CWORD"
	fi
}

_renacer_ctl()
{
	local cur prev i verb=
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		status|flush|stop|tail|top) verb=${COMP_WORDS[i]} ;;
		esac
	done
	case $prev in
	--session-dir|-d)
		[[ -z $verb ]] && { _filedir -d; return; } ;;
	--format)
		COMPREPLY=($(compgen -W "text json" -- "$cur"))
		return ;;
	esac
	case $verb in
	"") COMPREPLY=($(compgen -W "status flush stop tail top --session-dir --help --version" -- "$cur")) ;;
	status) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
	tail) COMPREPLY=($(compgen -W "-e --format -n" -- "$cur")) ;;
	top) COMPREPLY=($(compgen -W "-d -n -b" -- "$cur")) ;;
	esac
}

complete -F _renacer_run renacer-run renacer-exporter
complete -F _renacer_ctl renacer-ctl
