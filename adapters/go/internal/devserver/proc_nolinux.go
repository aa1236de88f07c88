//go:build unix && !linux

package devserver

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
