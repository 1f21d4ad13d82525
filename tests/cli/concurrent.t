# Two processes logging contacts into the same file at once both succeed.
setup
log_many() {
	n=1
	while [ $n -le 50 ]; do
		frontdesk contact log --service waste-missed-bin --outcome referred \
			--reason "$1 $n" >/dev/null || echo "$1 $n failed"
		n=$((n + 1))
	done
}
log_many A &
log_many B &
wait
note 100 cases, 100 distinct references
frontdesk case list --format csv | tail -n +2 | wc -l | tr -d ' '
frontdesk case list --format csv | tail -n +2 | cut -d, -f1 | sort -u | wc -l | tr -d ' '
frontdesk case list --format csv | tr -d '\r' | grep -c ',A [0-9]*$'
frontdesk case list --format csv | tr -d '\r' | grep -c ',B [0-9]*$'
