# Lists: tables aligned by display width, RFC 4180 CSV, JSON.
setup
frontdesk customer add --name 'Zoë Nguyễn' --postcode 'NG7 3AB' >/dev/null
frontdesk customer add --name '李小龍' --postcode 'NG7 3AD' >/dev/null
frontdesk customer add --name 'Ann "Nan" Smith, Jr' --postcode 'NG7 3AE' --address "$(printf 'Flat 1\nRose Court')" >/dev/null
frontdesk customer add --name 'عائشة خان' --postcode 'NG7 3AF' >/dev/null
fd customer find ng7
fd customer find ng7 --format csv
fd customer find ng7 --format json
note the table without the id column, to see the alignment by display width
frontdesk customer find ng7 | cut -c39-
note the same in the C locale: frontdesk falls back to C.UTF-8 for widths
LC_ALL=C frontdesk customer find ng7 | cut -c39-
