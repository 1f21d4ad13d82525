# A damaged or foreign file is refused with a clear message and left alone.
printf 'this is not a database, just some junk bytes\001\002\003\n' >junk.db
i=0
while [ $i -lt 200 ]; do printf 'junk junk junk junk junk junk junk junk\n'; i=$((i + 1)); done >>junk.db
before=$(checksum junk.db)
fd --db junk.db init
fd --db junk.db customer find zoe
fd --db junk.db customer add --name 'Zoë Nguyễn'
test "$(checksum junk.db)" = "$before" && echo "junk.db unchanged"
note a real database with its pages overwritten
setup
frontdesk customer add --name 'Zoë Nguyễn' >/dev/null
cp fd.db damaged.db
# everything after the header's first KiB (pages are 16 KiB: the tables of a
# small file can all sit past the first few)
size=$(wc -c <damaged.db)
dd if=/dev/urandom of=damaged.db bs=1024 seek=1 count=$((size / 1024 - 1)) conv=notrunc 2>/dev/null
fd --db damaged.db customer find zoe
