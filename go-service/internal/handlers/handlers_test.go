package handlers

import "regexp"

var serverTiming = regexp.MustCompile(`^decode;dur=[0-9.]+, transform;dur=[0-9.]+, encode;dur=[0-9.]+$`)
