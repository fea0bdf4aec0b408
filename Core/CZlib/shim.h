// zlib from the system (Debian zlib1g-dev, a dependency of the Swift toolchain itself): the
// plugin kit inflates the deflated parts of an uploaded XLSX workbook with it.
#include <zlib.h>
