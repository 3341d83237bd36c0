//go:build windows

package wmi

import (
	"unsafe"

	ole "github.com/go-ole/go-ole"
)

func unsafePointer(d *ole.IDispatch) unsafe.Pointer { return unsafe.Pointer(d) }
