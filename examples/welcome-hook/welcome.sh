#!/bin/sh
# The welcome hook: reads one email per line on stdin and welcomes each one. A real hook would
# send a mail or post to chat; this one appends each address to the file named by $WELCOME_LOG
# (default welcome.log, in the directory `pulumi up` runs in).
set -eu
log="${WELCOME_LOG:-welcome.log}"
count=0
while IFS= read -r email || [ -n "$email" ]; do
    [ -n "$email" ] || continue
    printf '%s\n' "$email" >> "$log"
    count=$((count + 1))
done
echo "welcomed $count new user(s)"
