# $1 is the number of versions left: 0 on removal, 1 on upgrade. On removal stop and disable
# whatever the admin enabled, so that no symlink is left pointing at a unit file that is gone.
if [ "$1" -eq 0 ] && command -v systemctl >/dev/null 2>&1; then
    units="mmops-doctor.timer mmops-doctor.service mmops-invites-sync.timer mmops-invites-sync.service"
    if [ -d /run/systemd/system ]; then
        systemctl stop $units >/dev/null 2>&1 || :
    fi
    systemctl disable $units >/dev/null 2>&1 || :
fi
