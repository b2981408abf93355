#!/usr/bin/env bash
# Peak and timeline of a command's resident memory: rss.sh LOG -- CMD...  (VmRSS every 0.5 s into LOG,
# the command's stderr with timestamps beside it, peak printed at the end; /usr/bin/time's peak too).
log=$1; shift; [ "$1" = "--" ] && shift
/usr/bin/time -f "maxrss_kb %M wall_s %e user_s %U sys_s %S minflt %R" -o "$log.time" "$@" 2> >(while IFS= read -r l; do echo "$(date +%s.%N | cut -c1-14) $l"; done > "$log.stderr") &
pid=$!
sleep 0.2
child=$(pgrep -n -x "$(basename "$1")")
while kill -0 $pid 2>/dev/null; do
  r=$(awk '/VmRSS/{print $2}' /proc/$child/status 2>/dev/null); [ -n "$r" ] && echo "$(date +%s.%N | cut -c1-14) $r" >> "$log"
  sleep 0.5
done
wait $pid
cat "$log.time"
