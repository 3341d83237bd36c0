//go:build windows

package wmi

import (
	"syscall"
	"unsafe"

	ole "github.com/go-ole/go-ole"
)

// procSafeArrayGetElement is oleaut32's SafeArrayGetElement, which go-ole
// keeps unexported.
var procSafeArrayGetElement = syscall.NewLazyDLL("oleaut32.dll").NewProc("SafeArrayGetElement")

// arrayElement copies element i of a one-dimensional SAFEARRAY into out
// (a VARIANT, or an interface pointer, which it AddRefs).
func arrayElement(sa *ole.SafeArray, i int32, out unsafe.Pointer) error {
	hr, _, _ := procSafeArrayGetElement.Call(uintptr(unsafe.Pointer(sa)), uintptr(unsafe.Pointer(&i)), uintptr(out))
	if hr != 0 {
		return ole.NewError(hr)
	}
	return nil
}
