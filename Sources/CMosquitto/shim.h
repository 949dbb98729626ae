// The system libmosquitto (Eclipse Mosquitto's MQTT client library, 2.0).
#ifndef CMOSQUITTO_SHIM_H
#define CMOSQUITTO_SHIM_H

#include <mosquitto.h>
#include <mqtt_protocol.h>

#endif
