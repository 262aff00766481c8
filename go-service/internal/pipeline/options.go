// Package pipeline is the image pipeline: decode, orient, rotate, flip, resize,
// grayscale and encode. It knows nothing about HTTP.
package pipeline

// Fit decides how Width and Height bound the output.
type Fit int

const (
	FitInside Fit = iota // fit inside the box, keep aspect ratio
	FitCover             // fill the box, keep aspect ratio, centre crop
	FitFill              // stretch to the box
)

// Format is an image container format.
type Format int

const (
	FormatUnknown Format = iota
	FormatJPEG
	FormatPNG
	FormatGIF
	FormatWebP
)

func (f Format) String() string {
	switch f {
	case FormatJPEG:
		return "jpeg"
	case FormatPNG:
		return "png"
	case FormatGIF:
		return "gif"
	case FormatWebP:
		return "webp"
	}
	return "unknown"
}

// ContentType is the media type of an output format.
func (f Format) ContentType() string {
	if f == FormatPNG {
		return "image/png"
	}
	return "image/jpeg"
}

// Options are the parsed, validated processing options of one request.
type Options struct {
	Grayscale bool
	Width     int // 0: not given
	Height    int // 0: not given
	Fit       Fit
	Enlarge   bool
	Rotate    int // 0, 90, 180 or 270, clockwise
	Flip      bool
	Flop      bool
	Format    Format // FormatJPEG or FormatPNG
	Quality   int    // 1..100, JPEG only
}

// DefaultOptions are the contract defaults.
func DefaultOptions() Options {
	return Options{Grayscale: true, Fit: FitInside, Format: FormatJPEG, Quality: 80}
}

// Limits bound the work one request may cause.
type Limits struct {
	MaxInputPixels int64
}
