# init creates the database, loads reference data once, sets settings.
fd init
fd config get site
note a second init reloads nothing unless asked
fd init
fd init --reload
note an unknown site is refused and changes nothing
fd init --site nowhere --device-code WB2
fd config get site
fd init --site civic-centre --channel phone --device-code WB2
fd config get default_channel
note no database yet: commands other than init say how to make one
fd --db "$TEST_DIR/other/fd.db" customer find zoe
fd init --data "$TEST_DIR/missing"
