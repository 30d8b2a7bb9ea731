/** TODO */
package io.j3fs.testing;
