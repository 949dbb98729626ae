"""A throwaway mosquitto broker on 127.0.0.1, for the MQTT tests and examples.

Usage: mqtt_broker.py DIR [PORT] [CONFIG_LINE ...]

Writes DIR/mosquitto.conf (a listener on 127.0.0.1:PORT, anonymous access,
persistence in DIR, so a restart on the same DIR and PORT keeps sessions),
prints the port on its first line, then becomes the broker (exec): killing
this process stops the broker. PORT 0 or absent: a free port. Extra
CONFIG_LINEs follow the listener line (TLS files, for instance).
"""
import os
import signal
import socket
import sys

directory = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
if port == 0:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
os.makedirs(directory, exist_ok=True)
config = os.path.join(directory, "mosquitto.conf")
with open(config, "w") as out:
    out.write("per_listener_settings false\n")
    if os.geteuid() == 0:
        # As root mosquitto would switch to its own user, which cannot read this directory's files.
        out.write("user root\n")
    out.write("allow_anonymous true\n")
    out.write("persistence true\n")
    out.write(f"persistence_location {directory}/\n")
    out.write("max_queued_messages 100000\n")
    out.write("log_dest stderr\n")
    out.write(f"listener {port} 127.0.0.1\n")
    for line in sys.argv[3:]:
        out.write(line + "\n")
print(port, flush=True)
# A parent's threads may block signals, and an exec'd program inherits the
# mask: unblocked, SIGTERM stops the broker (saving its sessions) as it would a service.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
os.execvp("mosquitto", ["mosquitto", "-c", config])
