//go:build windows

package wmi

import (
	"syscall"
	"unsafe"

	ole "github.com/go-ole/go-ole"
)

// procSafeArrayGetElement is oleaut32's SafeArrayGetElement, which go-ole
// keeps unexported.
var (
	oleaut32                  = syscall.NewLazyDLL("oleaut32.dll")
	procSafeArrayGetElement   = oleaut32.NewProc("SafeArrayGetElement")
	procSafeArrayCreateVector = oleaut32.NewProc("SafeArrayCreateVector")
	procSafeArrayPutElement   = oleaut32.NewProc("SafeArrayPutElement")
	procSafeArrayDestroy      = oleaut32.NewProc("SafeArrayDestroy")
)

// arrayElement copies element i of a one-dimensional SAFEARRAY into out
// (a VARIANT, or an interface pointer, which it AddRefs).
func arrayElement(sa *ole.SafeArray, i int32, out unsafe.Pointer) error {
	hr, _, _ := procSafeArrayGetElement.Call(uintptr(unsafe.Pointer(sa)), uintptr(unsafe.Pointer(&i)), uintptr(out))
	if hr != 0 {
		return ole.NewError(hr)
	}
	return nil
}

// dispatchArray makes a VARIANT holding a one-dimensional SAFEARRAY of
// VT_DISPATCH, as an array of embedded objects is written; free destroys
// the array (SafeArrayPutElement AddRefs each object, SafeArrayDestroy
// releases them).
func dispatchArray(objs []*ole.IDispatch) (v *ole.VARIANT, free func(), err error) {
	sa, _, _ := procSafeArrayCreateVector.Call(uintptr(ole.VT_DISPATCH), 0, uintptr(len(objs)))
	if sa == 0 {
		return nil, nil, ole.NewError(ole.E_OUTOFMEMORY)
	}
	free = func() { procSafeArrayDestroy.Call(sa) }
	for i, d := range objs {
		idx := int32(i)
		hr, _, _ := procSafeArrayPutElement.Call(sa, uintptr(unsafe.Pointer(&idx)), uintptr(unsafe.Pointer(d)))
		if hr != 0 {
			free()
			return nil, nil, ole.NewError(hr)
		}
	}
	out := ole.NewVariant(ole.VT_ARRAY|ole.VT_DISPATCH, int64(sa))
	return &out, free, nil
}
