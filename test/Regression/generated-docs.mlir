// The TableGen reference pages in docs/FA/ are what mlir-tblgen generates
// from today's .td files (check-fa builds mlir-doc first): a pass option, an
// attribute field or an op's description changed without
// `scripts/gen-docs.sh` fails here.
// RUN: diff -r %fa_obj_root/docs/FA %fa_src_root/docs/FA
