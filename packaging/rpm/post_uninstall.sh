# /etc/mmops and /var/lib/mmops (the invitation ledger) are the admin's and stay.
if [ "$1" -eq 0 ]; then
    # rpm removes only the directories a package lists, and cargo-generate-rpm 0.21 cannot list
    # one (its `dir = true` assets fail to build): remove mmops' own, when empty.
    rmdir /usr/share/doc/mmops/examples/themes /usr/share/doc/mmops/examples \
        /usr/share/doc/mmops /usr/share/licenses/mmops 2>/dev/null || :
fi
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
fi
