# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# bash completion for wrapmon-trace: its options, and -f names from
# `wrapmon-trace --list` (the process given with -p, or LIB:/path: objects).
# Installed by `make install` as share/bash-completion/completions/wrapmon-trace.

# The lines of stdin that start with $1, into COMPREPLY. Never compgen -W:
# it expands its words, and these are the target's symbols or any user's
# process names ("$(cmd)" would run cmd as whoever presses Tab). A name
# with blanks or shell characters is quoted so it stays one word.
_wrapmon_trace_add()
{
	local name
	while IFS= read -r name; do
		[[ -n $name && $name == "$1"* ]] || continue
		if [[ $name == *[^A-Za-z0-9_:.,@%+=/-]* ]]; then
			COMPREPLY+=("$(printf '%q' "$name")")
		else
			COMPREPLY+=("$name")
		fi
	done
}

_wrapmon_trace()
{
	local cur prev words cword pid i opts
	if declare -F _init_completion >/dev/null; then
		_init_completion -n : || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-p | --pid) pid=${words[i + 1]%%,*} ;;
		--pid=*) pid=${words[i]#--pid=} pid=${pid%%,*} ;;
		# The names one of them defines: all run the same program.
		--pidof | --comm) pid=$(pgrep -o -x -- "${words[i + 1]}" 2>/dev/null) ;;
		--pidof=* | --comm=*) pid=$(pgrep -o -x -- "${words[i]#*=}" 2>/dev/null) ;;
		--) return ;;
		esac
	done

	case $prev in
	-f | --function | -l | --list)
		local list
		if [[ -n $pid ]]; then
			list=$("${words[0]}" -p "$pid" --list "${cur}*" 2>/dev/null)
		elif [[ $cur == *:* ]]; then
			list=$("${words[0]}" --list "${cur}*" 2>/dev/null)
		else
			return
		fi
		# The names as -f takes them: OBJ:NAME, or NAME alone when the word has no object.
		COMPREPLY=()
		if [[ $cur == *:* ]]; then
			_wrapmon_trace_add "$cur" < <(cut -f1 <<<"$list")
		else
			_wrapmon_trace_add "$cur" < <(cut -f1 <<<"$list" | sed 's/^[^:]*://')
		fi
		declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
		return
		;;
	-p | --pid)
		COMPREPLY=($(compgen -W "$(ps -eo pid= 2>/dev/null)" -- "$cur"))
		return
		;;
	--pidof | --comm)
		COMPREPLY=()
		_wrapmon_trace_add "$cur" < <(ps -eo comm= 2>/dev/null | sort -u)
		return
		;;
	-o | --output | --store)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		opts=$("${words[0]}" --help 2>/dev/null | grep -oE -- '(^| )--?[A-Za-z][A-Za-z-]*' | tr -d ' ' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	fi
}
complete -F _wrapmon_trace wrapmon-trace
