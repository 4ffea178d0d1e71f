/*
 * Telling systemd how bouncelabd is doing (Type=notify): "READY=1" once it
 * serves (listeners bound, store open), "STOPPING=1" when it begins to
 * stop. See daemon_notify.c for why this is not libsystemd's sd_notify.
 */
#ifndef BLD_NOTIFY_H
#define BLD_NOTIFY_H

/* Sends @state ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET; 0 when unset. 0 or -errno. */
int bld_notify(const char *state);

#endif
