# bash completion for oxbpf                                    -*- shell-script -*-
_oxbpf()
{
    local cur prev words cword
    _init_completion || return

    local opts='-j --json -p --pretty -d --debug -h --help -V --version'
    # Position of the object keyword after the options.
    local i obj='' cmd='' nargs=0
    for ((i = 1; i < cword; i++)); do
        case "${words[i]}" in
            -*) ;;
            *)
                if [[ -z $obj ]]; then obj=${words[i]}
                elif [[ -z $cmd ]]; then cmd=${words[i]}
                else nargs=$((nargs + 1)); fi
                ;;
        esac
    done

    if [[ $cur == -* ]]; then
        [[ $obj == gen && $cmd == skeleton ]] && opts+=' --typed-maps --shadow-info'
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    if [[ -z $obj ]]; then
        COMPREPLY=($(compgen -W 'struct_ops gen btf help' -- "$cur"))
        return
    fi
    if [[ $obj == struct_ops && -z $cmd ]]; then
        COMPREPLY=($(compgen -W 'show list dump register unregister watch help' -- "$cur"))
        return
    fi
    if [[ $obj == gen && -z $cmd ]]; then
        COMPREPLY=($(compgen -W 'skeleton subskeleton object help' -- "$cur"))
        return
    fi
    if [[ $obj == btf && -z $cmd ]]; then
        COMPREPLY=($(compgen -W 'dump help' -- "$cur"))
        return
    fi
    if [[ $obj == gen ]]; then
        case "$cmd" in
            skeleton|subskeleton)
                if ((nargs == 0)); then _filedir o
                elif [[ $prev != name ]]; then
                    COMPREPLY=($(compgen -W 'name --typed-maps --shadow-info' -- "$cur"))
                fi
                ;;
            object) _filedir o ;;
        esac
        return
    fi
    if [[ $obj == btf ]]; then
        case "$prev" in
            dump) COMPREPLY=($(compgen -W 'id file' -- "$cur")) ;;
            file) _filedir ;;
            format) COMPREPLY=($(compgen -W 'c raw' -- "$cur")) ;;
            id) ;;
            *) ((nargs >= 2)) && COMPREPLY=($(compgen -W 'format unsorted' -- "$cur")) ;;
        esac
        return
    fi
    case "$cmd" in
        show|list|dump|unregister|watch)
            case "$prev" in
                id)
                    COMPREPLY=($(compgen -W "$(oxbpf -j struct_ops list 2>/dev/null | grep -o '"id":[0-9]*' | cut -d: -f2)" -- "$cur")) ;;
                name)
                    COMPREPLY=($(compgen -W "$(oxbpf -j struct_ops list 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4)" -- "$cur")) ;;
                *)
                    ((nargs == 0)) && COMPREPLY=($(compgen -W 'id name' -- "$cur")) ;;
            esac
            ;;
        register)
            if ((nargs == 0)); then
                _filedir o
            else
                _filedir -d
            fi
            ;;
    esac
} &&
    complete -F _oxbpf oxbpf
