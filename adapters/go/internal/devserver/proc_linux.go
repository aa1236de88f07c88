//go:build linux

package devserver

import "syscall"

// setParentDeathSignal kills the server if the test binary dies without stopping it.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
